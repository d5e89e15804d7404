#include "meshes/string_match.hpp"

#include <regex>

namespace veer::meshes {

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

std::optional<std::string> pattern_of(const nlohmann::json& match) {
  if (!match.is_object()) return std::nullopt;
  if (match.contains("regex") && match["regex"].is_string()) return match["regex"];
  if (match.contains("prefix") && match["prefix"].is_string())
    return "^" + regex_escape(match["prefix"]) + ".*";
  if (match.contains("suffix") && match["suffix"].is_string())
    return ".*" + regex_escape(match["suffix"]) + "$";
  return std::nullopt;
}

}  // namespace veer::meshes
