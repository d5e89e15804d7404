// Keeps the user's routing rules when veer rewrites its own (Flagger #1857 is the bug to avoid).
#pragma once

#include <functional>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::meshes {

// The rule list to write: veer's rules take the place of the first rule veer owned before; the
// user's rules keep their order around them. With no rule of veer's found, veer's rules go last,
// after the user's (more specific) ones. `observed_rules` may be null or absent.
nlohmann::json merge_rules(const nlohmann::json& observed_rules, const nlohmann::json& ours,
                           const std::function<bool(const nlohmann::json&)>& is_ours);

// A/B matches: every analysis match combined with every service match (the service match with
// the analysis match's `override_keys`, e.g. headers). Either list alone when the other is empty.
nlohmann::json combine_matches(const nlohmann::json& analysis, const nlohmann::json& service,
                               std::initializer_list<const char*> override_keys);

// True when `host` names the Service `name` (short name or a longer DNS name of it).
bool names_service(const std::string& host, const std::string& name);

}  // namespace veer::meshes
