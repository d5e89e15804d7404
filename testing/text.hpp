// Substring checks for messages in tests: "does the error name the URL, the field, the line?".
// One definition for every folder's tests: their files are compiled in batches
// (cmake/VeerPart.cmake), where each file's own copy of the same helper would collide.
#pragma once

#include <string_view>

namespace veer::testing {

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace veer::testing
