// The Kubernetes types the operator watches, and how a change to one maps back to the Canaries
// it concerns (a Canary's target, its `-primary` clone, their ConfigMaps and Secrets, HPAs and
// Services). Pure functions over object JSON: the Manager turns them into informer indices.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/cluster.hpp"

namespace veer::runtime {

namespace types {
kube::ResourceType deployments();
kube::ResourceType daemonsets();
kube::ResourceType configmaps();
kube::ResourceType secrets();
kube::ResourceType services();
kube::ResourceType knative_services();  // serving.knative.dev/v1: a Knative Canary's target
kube::ResourceType metric_templates();
kube::ResourceType alert_providers();
// HorizontalPodAutoscalers, newest version first (a 1.20 server has no autoscaling/v2).
std::vector<kube::ResourceType> hpa_versions();
}  // namespace types

// Index values of a Canary: what it targets ("w/<ns>/<Kind>/<name>", also the -primary clone),
// its autoscaler ("h/<ns>/<name>", also -primary) and its Services ("s/<ns>/<name>", -canary,
// -primary). Read from the raw object, so an invalid Canary still gets its events.
std::vector<std::string> canary_refs(const nlohmann::json& canary);
// The index value a workload, HPA or Service change looks up in canary_refs.
std::string workload_ref(const nlohmann::json& workload);
std::string hpa_ref(const nlohmann::json& hpa);
std::string service_ref(const nlohmann::json& service);

// Index values of a workload: the ConfigMaps and Secrets its pods use ("c/<ns>/<kind>/<name>",
// kind lower case).
std::vector<std::string> workload_config_refs(const nlohmann::json& workload);
std::string config_ref(const nlohmann::json& config_object);
// The Secret a MetricTemplate (`spec.provider.secretRef`) or an AlertProvider (`spec.secretRef`)
// reads, as "<ns>/<name>" in its own namespace; empty when none.
std::vector<std::string> secret_refs(const nlohmann::json& object);

// True when an update of a Canary may change what the controller does: anything but its status
// (the controller's own writes) — or a resync, where old and new are the same object.
bool canary_changed(const nlohmann::json& old_object, const nlohmann::json& new_object);
// True when a ConfigMap's or Secret's content changed (not just its resourceVersion).
bool config_changed(const nlohmann::json& old_object, const nlohmann::json& new_object);

}  // namespace veer::runtime
