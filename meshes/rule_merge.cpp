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

namespace {

// `b` added to the condition list `a` (an object keyed by name, or a list of {name, ...}):
// false when both constrain the same name differently (one match cannot hold both).
bool and_conditions(json& a, const json& b) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [name, condition] : b.items()) {
      if (a.contains(name) && a[name] != condition) return false;
      a[name] = condition;
    }
    return true;
  }
  if (!a.is_array() || !b.is_array()) return false;
  for (const auto& condition : b) {
    bool same = false;
    for (const auto& existing : a) {
      if (existing.value("name", json()) != condition.value("name", json())) continue;
      if (existing != condition) return false;
      same = true;
    }
    if (!same) a.push_back(condition);
  }
  return true;
}

}  // namespace

Expected<json> and_matches(const json& analysis, const json& service, const std::string& where) {
  if (!analysis.is_array() || analysis.empty()) return service;
  if (!service.is_array() || service.empty()) return analysis;
  json combined = json::array();
  for (std::size_t i = 0; i < analysis.size(); ++i) {
    for (const auto& s : service) {
      json match = s;
      for (const auto& [key, condition] : analysis[i].items()) {
        if (!match.contains(key) || match[key] == condition) {
          match[key] = condition;
        } else if (!condition.is_structured() || !and_conditions(match[key], condition)) {
          return invalid(where + ": spec.analysis.match[" + std::to_string(i) + "]." + key +
                         " and spec.service.match both set " + key +
                         " differently; one route cannot require both");
        }
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
