// The `<target>-primary` workload: a clone of the user's Deployment or DaemonSet that serves the
// stable version while the target itself becomes the canary (Flagger's deployment_controller).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controller/config_refs.hpp"

namespace veer::controller {

struct CloneSettings {
  // The first of these keys found in the target's spec.selector.matchLabels selects its pods.
  std::vector<std::string> selector_labels{"app", "name", "app.kubernetes.io/name"};
  // Target labels copied to the primary's metadata (all other labels are not copied).
  std::vector<std::string> include_label_prefixes;
};

struct SelectorLabel {
  std::string key;
  std::string value;
};

// The label that selects the target's pods, or an error message naming the object and field.
struct SelectorLabelResult {
  std::optional<SelectorLabel> label;
  std::string error;
};
SelectorLabelResult selector_label(const nlohmann::json& target, const CloneSettings& settings);

struct PrimaryWorkloadResult {
  nlohmann::json object;  // null on error
  std::string error;
};

// Builds the primary from the target. `tracked` names the configs that have `-primary` copies;
// `promotion_id` goes into a pod-template annotation so each promotion of a new revision rolls
// the primary's pods (and promoting the same revision again changes nothing); `replicas`, when
// set, overrides the target's (no HPA: the primary keeps its own count while the target is at 0).
PrimaryWorkloadResult make_primary(const nlohmann::json& target, const ConfigRefs& tracked,
                                   const nlohmann::json& owner_reference,
                                   const CloneSettings& settings, const std::string& promotion_id,
                                   std::optional<long> replicas);

// Labels or annotations of a user's object, copied onto an object veer generates from it: keys of
// GitOps tools (Flux, kubectl's last-applied) are dropped so those tools neither reconcile nor
// prune the copy; with `include_prefixes`, only keys starting with one of them are kept.
nlohmann::json copied_metadata(const nlohmann::json& map,
                               const std::vector<std::string>* include_prefixes);

// The owner reference that ties generated objects to their Canary (garbage collection).
nlohmann::json canary_owner_reference(const nlohmann::json& canary);

inline constexpr const char* kPromotionIdAnnotation = "veer.dev/promotion-id";

}  // namespace veer::controller
