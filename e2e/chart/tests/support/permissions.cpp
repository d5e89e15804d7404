#include "e2e/chart/tests/support/permissions.hpp"

#include <algorithm>
#include <regex>

namespace veer::e2e {

using nlohmann::json;

std::string Permission::text() const {
  return verb + " " + (group.empty() ? resource : group + "/" + resource);
}

std::vector<Permission> permissions_of(const json& rules) {
  std::vector<Permission> out;
  for (const auto& rule : rules)
    for (const auto& group : rule.value("apiGroups", json::array()))
      for (const auto& resource : rule.value("resources", json::array()))
        for (const auto& verb : rule.value("verbs", json::array())) {
          Permission p{group.get<std::string>(), resource.get<std::string>(),
                       verb.get<std::string>()};
          if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
        }
  return out;
}

json rules_without(const json& rules, const Permission& removed) {
  json out = json::array();
  for (const auto& rule : rules) {
    // Split the rule so that only the one (group, resource) pair loses the verb.
    for (const auto& group : rule.value("apiGroups", json::array()))
      for (const auto& resource : rule.value("resources", json::array())) {
        json verbs = json::array();
        for (const auto& verb : rule.value("verbs", json::array()))
          if (!(group == removed.group && resource == removed.resource && verb == removed.verb))
            verbs.push_back(verb);
        if (verbs.empty()) continue;
        json single = rule;
        single["apiGroups"] = json::array({group});
        single["resources"] = json::array({resource});
        single["verbs"] = verbs;
        out.push_back(single);
      }
  }
  return out;
}

std::optional<Permission> refused_permission(const std::string& log_line) {
  std::string line = log_line;
  line.erase(std::remove(line.begin(), line.end(), '\\'), line.end());
  static const std::regex refused(
      R"re(cannot ([a-z]+) resource "([^"]+)" in API group "([^"]*)")re");
  std::smatch m;
  if (!std::regex_search(line, m, refused)) return std::nullopt;
  return Permission{m[3].str(), m[2].str(), m[1].str()};
}

}  // namespace veer::e2e
