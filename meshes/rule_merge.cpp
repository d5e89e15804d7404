#include "meshes/rule_merge.hpp"

namespace veer::meshes {

using nlohmann::json;

json merge_rules(const json& observed_rules, const json& ours,
                 const std::function<bool(const json&)>& is_ours) {
  json merged = json::array();
  bool placed = false;
  if (observed_rules.is_array()) {
    for (const auto& rule : observed_rules) {
      if (!is_ours(rule)) {
        merged.push_back(rule);
      } else if (!placed) {
        for (const auto& mine : ours) merged.push_back(mine);
        placed = true;
      }
    }
  }
  if (!placed) {
    for (const auto& mine : ours) merged.push_back(mine);
  }
  return merged;
}

json combine_matches(const json& analysis, const json& service,
                     std::initializer_list<const char*> override_keys) {
  if (!analysis.is_array() || analysis.empty()) return service;
  if (!service.is_array() || service.empty()) return analysis;
  json combined = json::array();
  for (const auto& a : analysis) {
    for (const auto& s : service) {
      json match = s;
      for (const char* key : override_keys) {
        if (a.contains(key)) match[key] = a[key];
      }
      combined.push_back(std::move(match));
    }
  }
  return combined;
}

bool names_service(const std::string& host, const std::string& name) {
  return host == name || (host.size() > name.size() && host.compare(0, name.size(), name) == 0 &&
                          host[name.size()] == '.');
}

}  // namespace veer::meshes
