// The one object a weight-only router keeps under the apex Service's name (TrafficSplit,
// HTTPProxy, RouteTable, TraefikService, TrafficRoute): written with the apex metadata and the
// Canary as owner, and the user's own spec saved before veer first changes an object it did not
// create. Plus the reading of a weight as routers find it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"

namespace veer::meshes {

// The write that makes `ref` (in the Canary's namespace) hold `spec`. veer owns the spec fields
// listed (JSON pointers under /spec) and the apex labels and annotations; the rest of an existing
// object is kept.
Write upsert_apex_object(const CanaryRouting& canary, const ObjectRef& ref, nlohmann::json spec,
                         const std::vector<std::string>& owned_spec_fields,
                         const Observed& observed);

// A weight written as an integer, a float or a decimal string (SMI v1alpha1 quantities). A
// missing weight (null) is 0: Go clients omit zero weights (`omitempty`).
std::optional<int> read_weight(const nlohmann::json& weight);

}  // namespace veer::meshes
