// Readiness of a Deployment or DaemonSet from its status, as Flagger's readiness checks read it:
// the rollout observed, all replicas updated, enough of them available (the ready threshold),
// and the Deployment's own progress deadline.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/controller/decision.hpp"

namespace veer::controller {

// `ready_threshold_percent` of the desired replicas must be available. A workload scaled to zero
// is not ready (it serves nothing).
WorkloadHealth workload_health(const nlohmann::json& workload, int ready_threshold_percent);

// spec.replicas of a Deployment (1 when unset); nullopt for other kinds.
std::optional<long> replicas_of(const nlohmann::json& workload);

}  // namespace veer::controller
