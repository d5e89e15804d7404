// The bridge from the model: what routers need from a veer::model::Canary.
#pragma once

#include <string>

#include "meshes/canary_routing.hpp"
#include "meshes/routes.hpp"
#include "model/canary.hpp"

namespace veer::meshes {

// The routing facts of `canary`. `selector_label` is the pod label that tells the primary's pods
// from the target's (the first of the operator's -selector-labels found on the target), and
// `selector_value` its value on the target's pods.
CanaryRouting routing_of(const model::Canary& canary, const std::string& selector_label,
                         const std::string& selector_value);

// The routes for a step: the weights, mirroring as analysis.mirrorWeight asks, and the session
// cookies recorded in the status.
Routes routes_of(const model::Canary& canary, int canary_weight, bool mirror);

}  // namespace veer::meshes
