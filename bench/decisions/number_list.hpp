// A comma-separated list of numbers from a benchmark's command line ("1000,5000,20000").
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace veer::bench {

inline std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stod(item));
  return out;
}

}  // namespace veer::bench
