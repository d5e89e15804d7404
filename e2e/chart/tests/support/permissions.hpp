// A role's permissions as single (API group, resource, verb) triples: what the minimality check
// removes one at a time, and what a "forbidden" from the API server names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::e2e {

struct Permission {
  std::string group;  // "" for the core group
  std::string resource;
  std::string verb;
  bool operator==(const Permission&) const = default;
  // "update apps/deployments" (core resources without the group: "create events").
  std::string text() const;
};

// Every triple the RBAC `rules` grant, in rule order, each once.
std::vector<Permission> permissions_of(const nlohmann::json& rules);
// The same rules without one verb on one resource of one group (a rule that would be left with
// no verb or no resource is dropped; resourceNames are kept).
nlohmann::json rules_without(const nlohmann::json& rules, const Permission& removed);
// The permission a refused call names in the API server's message, e.g. `cannot list resource
// "deployments" in API group "apps"`, from a log line (JSON-escaped quotes are accepted).
std::optional<Permission> refused_permission(const std::string& log_line);

}  // namespace veer::e2e
