// veer's copy of an object the user owns (the `-canary` Ingress of nginx and skipper, the
// `-canary` ApisixRoute of apisix): the user's object is never written; the copy carries the
// user's labels and annotations (kubectl's last-applied left out), veer's spec and annotations, and
// the Canary as owner, and goes away with the Canary.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"

namespace veer::meshes {

// The user's annotations without kubectl's last-applied and without keys starting with
// `drop_prefix` (when not empty).
nlohmann::json copied_annotations(const nlohmann::json& user_object,
                                  const std::string& drop_prefix = "");

// The write for the copy `name` of `user_object` with `spec` and `annotations`. veer owns the
// spec, the labels, the annotations given and `also_owned` (pointers, e.g. annotations veer set
// before and now removes).
Write upsert_copy(const CanaryRouting& canary, const nlohmann::json& user_object,
                  const std::string& name, nlohmann::json spec, const nlohmann::json& annotations,
                  const std::vector<std::string>& also_owned, const nlohmann::json* found);

// On deletion: remove `copy` if the Canary controls it.
std::vector<Write> remove_copy(const nlohmann::json* copy, const CanaryRouting& canary);

}  // namespace veer::meshes
