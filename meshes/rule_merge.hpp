// Keeps the user's routing rules when veer rewrites its own (Flagger #1857 is the bug to avoid).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "meshes/result.hpp"

namespace veer::meshes {

// The rule list to write: veer's rules take the place of the first rule veer owned before; the
// user's rules keep their order around them. With no rule of veer's found, veer's rules go last,
// after the user's (more specific) ones. `observed_rules` may be null or absent.
nlohmann::json merge_rules(const nlohmann::json& observed_rules, const nlohmann::json& ours,
                           const std::function<bool(const nlohmann::json&)>& is_ours);

// A/B matches: every analysis match ANDed with every service match (each list holds
// alternatives). Conditions on different keys, or on different names of a keyed list (headers,
// queryParams, sourceLabels), are simply joined; the same condition set differently on both
// sides cannot be one match and is an `invalid` error naming the field. Nothing is dropped: a
// dropped condition would widen the match and send more requests to the canary. Either list
// alone when the other is empty.
Expected<nlohmann::json> and_matches(const nlohmann::json& analysis, const nlohmann::json& service,
                                     const std::string& where);

// True when `host` names the Service `name` (short name or a longer DNS name of it).
bool names_service(const std::string& host, const std::string& name);

}  // namespace veer::meshes
