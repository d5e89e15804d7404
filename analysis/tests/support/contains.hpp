// Substring check for messages in tests: "does the error name the URL, the query, the line?"
#pragma once

#include <string>

namespace veer::analysis::testdata {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace veer::analysis::testdata
