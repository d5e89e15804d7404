#include "operator/controller/primary_workload.hpp"

#include "operator/controller/revision.hpp"

namespace veer::controller {

using nlohmann::json;

namespace {

bool starts_with_any(const std::string& key, const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes) {
    if (key.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// A label selector that picks the target's pods must pick the primary's instead.
void rename_selector(json& selector, const SelectorLabel& label) {
  if (!selector.is_object()) return;
  const auto primary = label.value + "-primary";
  if (selector.contains("matchLabels") && selector["matchLabels"].is_object()) {
    for (auto& [key, value] : selector["matchLabels"].items()) {
      if (value == label.value) value = primary;
    }
  }
  if (selector.contains("matchExpressions") && selector["matchExpressions"].is_array()) {
    for (auto& expression : selector["matchExpressions"]) {
      if (!expression.contains("values") || !expression["values"].is_array()) continue;
      for (auto& value : expression["values"]) {
        if (value == label.value) value = primary;
      }
    }
  }
}

void rename_topology_selectors(json& pod_spec, const SelectorLabel& label) {
  if (pod_spec.contains("topologySpreadConstraints") &&
      pod_spec["topologySpreadConstraints"].is_array()) {
    for (auto& constraint : pod_spec["topologySpreadConstraints"]) {
      if (constraint.contains("labelSelector")) rename_selector(constraint["labelSelector"], label);
    }
  }
  if (!pod_spec.contains("affinity") || !pod_spec["affinity"].contains("podAntiAffinity")) return;
  auto& anti = pod_spec["affinity"]["podAntiAffinity"];
  const char* required = "requiredDuringSchedulingIgnoredDuringExecution";
  const char* preferred = "preferredDuringSchedulingIgnoredDuringExecution";
  if (anti.contains(required) && anti[required].is_array()) {
    for (auto& term : anti[required]) {
      if (term.contains("labelSelector")) rename_selector(term["labelSelector"], label);
    }
  }
  if (anti.contains(preferred) && anti[preferred].is_array()) {
    for (auto& weighted : anti[preferred]) {
      if (weighted.contains("podAffinityTerm") &&
          weighted["podAffinityTerm"].contains("labelSelector")) {
        rename_selector(weighted["podAffinityTerm"]["labelSelector"], label);
      }
    }
  }
}

// GitOps tools must not reconcile or prune what veer generates from their objects.
bool is_gitops_key(const std::string& key) {
  return key.find("toolkit.fluxcd.io") != std::string::npos ||
         key == "kubectl.kubernetes.io/last-applied-configuration";
}

std::string describe(const json& object) {
  const auto& meta = object.value("metadata", json::object());
  return object.value("kind", "workload") + " " + meta.value("namespace", "") + "/" +
         meta.value("name", "");
}

}  // namespace

json copied_metadata(const json& map, const std::vector<std::string>* include_prefixes) {
  json out = json::object();
  if (!map.is_object()) return out;
  for (const auto& [key, value] : map.items()) {
    if (is_gitops_key(key)) continue;
    if (include_prefixes && !starts_with_any(key, *include_prefixes)) continue;
    out[key] = value;
  }
  return out;
}

SelectorLabelResult selector_label(const json& target, const CloneSettings& settings) {
  const json* match = nullptr;
  if (target.contains("spec") && target["spec"].contains("selector") &&
      target["spec"]["selector"].contains("matchLabels")) {
    match = &target["spec"]["selector"]["matchLabels"];
  }
  if (match && match->is_object()) {
    for (const auto& key : settings.selector_labels) {
      auto it = match->find(key);
      if (it != match->end() && it->is_string())
        return {SelectorLabel{key, it->get<std::string>()}, ""};
    }
  }
  std::string keys;
  for (const auto& key : settings.selector_labels) keys += (keys.empty() ? "" : ", ") + key;
  return {std::nullopt, describe(target) +
                            ": spec.selector.matchLabels has none of the selector labels " + keys +
                            " (set one, or change --selector-labels)"};
}

json canary_owner_reference(const json& canary) {
  const auto& meta = canary.value("metadata", json::object());
  return {{"apiVersion", canary.value("apiVersion", "veer.dev/v1beta1")},
          {"kind", canary.value("kind", "Canary")},
          {"name", meta.value("name", "")},
          {"uid", meta.value("uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

PrimaryWorkloadResult make_primary(const json& target, const ConfigRefs& tracked,
                                   const json& owner_reference, const CloneSettings& settings,
                                   const std::string& promotion_id, std::optional<long> replicas) {
  const auto kind = target.value("kind", "");
  if (kind != "Deployment" && kind != "DaemonSet") {
    return {nullptr, describe(target) + ": kind must be Deployment or DaemonSet"};
  }
  if (!target.contains("spec") || !target["spec"].contains("template") ||
      !target["spec"]["template"].is_object()) {
    return {nullptr, describe(target) + ": spec.template is missing"};
  }
  auto found = selector_label(target, settings);
  if (!found.label) return {nullptr, found.error};
  const auto& label = *found.label;
  const auto& spec = target["spec"];
  const auto& meta = target.value("metadata", json::object());

  json primary = {{"apiVersion", target.value("apiVersion", "apps/v1")}, {"kind", kind}};
  json labels =
      copied_metadata(meta.value("labels", json::object()), &settings.include_label_prefixes);
  labels[label.key] = label.value + "-primary";
  primary["metadata"] = {{"name", meta.value("name", "") + "-primary"},
                         {"namespace", meta.value("namespace", "")},
                         {"labels", labels},
                         {"ownerReferences", json::array({owner_reference})}};
  auto annotations = copied_metadata(meta.value("annotations", json::object()), nullptr);
  if (!annotations.empty()) primary["metadata"]["annotations"] = annotations;

  json out_spec = json::object();
  for (const char* key : {"minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds",
                          "strategy", "updateStrategy", "paused"}) {
    if (spec.contains(key)) out_spec[key] = spec[key];
  }
  if (kind == "Deployment") {
    if (replicas) {
      out_spec["replicas"] = *replicas;
    } else if (spec.contains("replicas")) {
      out_spec["replicas"] = spec["replicas"];
    }
  }
  out_spec["selector"] = {{"matchLabels", {{label.key, label.value + "-primary"}}}};

  json pod_template = pod_template_of(target);
  auto& template_meta = pod_template["metadata"];
  if (!template_meta.is_object()) template_meta = json::object();
  if (!template_meta.contains("labels") || !template_meta["labels"].is_object())
    template_meta["labels"] = json::object();
  template_meta["labels"][label.key] = label.value + "-primary";
  template_meta["annotations"] =
      copied_metadata(template_meta.value("annotations", json::object()), nullptr);
  template_meta["annotations"][kPromotionIdAnnotation] = promotion_id;
  auto& pod_spec = pod_template["spec"];
  if (pod_spec.is_object()) {
    rename_config_refs(pod_spec, tracked);
    rename_topology_selectors(pod_spec, label);
  }
  out_spec["template"] = pod_template;
  primary["spec"] = out_spec;
  return {primary, ""};
}

}  // namespace veer::controller
