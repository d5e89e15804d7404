// Turns YAML text into JSON values with the line of every field, from yaml-cpp's parse events
// rather than its node tree, so that aliases are expanded here under a budget, a recursive
// alias is refused instead of recursing forever, and nesting depth is capped.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/read_limits.hpp"

namespace veer::model {

struct YamlProblem {
  int line = 0;  // 1-based within the text given
  std::string message;
};

struct YamlDocument {
  nlohmann::json json;               // null for an empty document
  int line = 0;                      // 1-based line of the root node
  std::map<std::string, int> lines;  // field path -> 1-based line
  // Problems that leave the document usable (duplicate keys, numbers out of range).
  std::vector<YamlProblem> problems;
};

struct YamlRead {
  std::vector<YamlDocument> documents;
  // A syntax error or a limit reached; the document it occurred in is not returned.
  std::vector<YamlProblem> errors;
};

// Reads every document of `text` (JSON is YAML too). Never throws for any input.
YamlRead read_yaml(std::string_view text, const ReadLimits& limits);

}  // namespace veer::model
