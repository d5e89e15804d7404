// The `<hpa>-primary` HorizontalPodAutoscaler (spec.autoscalerRef): a copy of the target's HPA
// that scales `<target>-primary`, with spec.autoscalerRef.primaryScalerReplicas overriding its
// min/max. Created at initialization and kept in step at each promotion (Flagger's
// hpa_reconciler); owned by the Canary, so deleting the Canary deletes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"

namespace veer::controller {

// The apiVersions tried, in order, to read an HPA named by `ref`: its own first, then the other
// of autoscaling/v2 and autoscaling/v2beta2 (same shape), since Kubernetes 1.20 serves only
// v2beta2 and 1.26+ only v2. Flagger users write autoscaling/v2.
std::vector<std::string> hpa_api_versions(const model::AutoscalerRef& ref);

struct PrimaryScalerResult {
  nlohmann::json object;  // null on error
  std::string error;
};

// Builds `<hpa>-primary` from the target's HPA. `primary_workload` is `<target>-primary` (its
// apiVersion, kind and name go into scaleTargetRef).
PrimaryScalerResult make_primary_hpa(const nlohmann::json& target_hpa,
                                     const model::AutoscalerRef& ref,
                                     const nlohmann::json& primary_workload,
                                     const nlohmann::json& owner_reference);

// True when `existing` must be updated to `wanted` (spec, labels or annotations differ).
bool primary_hpa_differs(const nlohmann::json& existing, const nlohmann::json& wanted);

// minReplicas of an HPA (1 when unset), for scaling the canary up from zero.
long hpa_min_replicas(const nlohmann::json& hpa);

}  // namespace veer::controller
