// What makes a revision: the pod template and the data of the configs it tracks, hashed as
// canonical JSON so that the same workload hashes the same under every veer version. Replicas
// are not part of it (an HPA changing them never starts a rollout).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/controller/config_tracking.hpp"

namespace veer::controller {

// A DaemonSet has no replicas: its canary is scaled to zero by this nodeSelector key, which no
// node has (Flagger does the same). It is never part of a revision and never copied to the
// primary.
inline constexpr const char* kScaleToZeroNodeSelector = "veer.dev/scale-to-zero";

// The pod template without the scale-to-zero nodeSelector.
nlohmann::json pod_template_of(const nlohmann::json& workload);

// The hash of the target's spec.template (status.lastAppliedSpec / lastPromotedSpec).
std::string pod_template_hash(const nlohmann::json& workload);

// The revision of a target: its pod template hash combined with its tracked configs' checksums.
// Without tracked configs it equals pod_template_hash.
std::string revision_hash(const nlohmann::json& workload, const ConfigChecksums& configs);

}  // namespace veer::controller
