// Istio StringMatch ({exact|prefix|suffix|regex}) for routers that only know exact values and
// regular expressions (Contour, NGINX): prefix and suffix become anchored patterns.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::meshes {

// `text` with every regex metacharacter escaped.
std::string regex_escape(const std::string& text);

// The pattern of a regex, prefix or suffix match ("^<prefix>.*", ".*<suffix>$"); nullopt for an
// exact match or a match that holds none of them.
std::optional<std::string> pattern_of(const nlohmann::json& match);

}  // namespace veer::meshes
