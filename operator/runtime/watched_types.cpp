#include "operator/runtime/watched_types.hpp"

#include <cctype>

#include "operator/controller/config_refs.hpp"

namespace veer::runtime {

using nlohmann::json;

namespace types {
kube::ResourceType deployments() {
  return {"apps", "v1", "deployments", "Deployment"};
}
kube::ResourceType daemonsets() {
  return {"apps", "v1", "daemonsets", "DaemonSet"};
}
kube::ResourceType configmaps() {
  return {"", "v1", "configmaps", "ConfigMap"};
}
kube::ResourceType secrets() {
  return {"", "v1", "secrets", "Secret"};
}
kube::ResourceType services() {
  return {"", "v1", "services", "Service"};
}
kube::ResourceType knative_services() {
  return {"serving.knative.dev", "v1", "services", "Service"};
}
kube::ResourceType metric_templates() {
  return {"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"};
}
kube::ResourceType alert_providers() {
  return {"veer.dev", "v1beta1", "alertproviders", "AlertProvider"};
}
std::vector<kube::ResourceType> hpa_versions() {
  return {{"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
          {"autoscaling", "v2beta2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
          {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"}};
}
}  // namespace types

namespace {

std::string text_at(const json& object, const char* a, const char* b) {
  if (!object.is_object()) return "";
  auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return "";
  auto inner = outer->find(b);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

const json& spec_of(const json& object) {
  static const json empty = json::object();
  auto it = object.find("spec");
  return it != object.end() && it->is_object() ? *it : empty;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

json without(json object, std::initializer_list<const char*> metadata_keys, bool status) {
  if (status) object.erase("status");
  if (object.contains("metadata") && object["metadata"].is_object())
    for (const char* key : metadata_keys) object["metadata"].erase(key);
  return object;
}

}  // namespace

std::vector<std::string> canary_refs(const json& canary) {
  std::vector<std::string> out;
  const auto ns = kube::namespace_of(canary);
  const auto& spec = spec_of(canary);
  const auto target = text_at(spec, "targetRef", "name");
  const auto kind = text_at(spec, "targetRef", "kind");
  if (!target.empty()) {
    const auto k = kind.empty() ? std::string("Deployment") : kind;
    out.push_back("w/" + ns + "/" + k + "/" + target);
    out.push_back("w/" + ns + "/" + k + "/" + target + "-primary");
  }
  const auto hpa = text_at(spec, "autoscalerRef", "name");
  if (!hpa.empty()) {
    out.push_back("h/" + ns + "/" + hpa);
    out.push_back("h/" + ns + "/" + hpa + "-primary");
  }
  auto service = text_at(spec, "service", "name");
  if (service.empty()) service = target;
  if (!service.empty()) {
    for (const char* suffix : {"", "-canary", "-primary"})
      out.push_back("s/" + ns + "/" + service + suffix);
  }
  return out;
}

std::string workload_ref(const json& workload) {
  return "w/" + kube::namespace_of(workload) + "/" + workload.value("kind", "") + "/" +
         kube::name_of(workload);
}

std::string hpa_ref(const json& hpa) {
  return "h/" + kube::namespace_of(hpa) + "/" + kube::name_of(hpa);
}

std::string service_ref(const json& service) {
  return "s/" + kube::namespace_of(service) + "/" + kube::name_of(service);
}

std::vector<std::string> workload_config_refs(const json& workload) {
  std::vector<std::string> out;
  const auto& spec = spec_of(workload);
  auto tmpl = spec.find("template");
  if (tmpl == spec.end() || !tmpl->is_object()) return out;
  const auto refs = controller::referenced_configs(spec_of(*tmpl));
  const auto ns = kube::namespace_of(workload);
  for (const auto& name : refs.config_maps) out.push_back("c/" + ns + "/configmap/" + name);
  for (const auto& name : refs.secrets) out.push_back("c/" + ns + "/secret/" + name);
  return out;
}

std::string config_ref(const json& config_object) {
  return "c/" + kube::namespace_of(config_object) + "/" + lower(config_object.value("kind", "")) +
         "/" + kube::name_of(config_object);
}

std::vector<std::string> secret_refs(const json& object) {
  std::vector<std::string> out;
  const auto& spec = spec_of(object);
  auto name = text_at(spec, "secretRef", "name");  // AlertProvider
  if (auto provider = spec.find("provider"); name.empty() && provider != spec.end())
    name = text_at(*provider, "secretRef", "name");  // MetricTemplate
  if (!name.empty()) out.push_back(kube::namespace_of(object) + "/" + name);
  return out;
}

bool canary_changed(const json& old_object, const json& new_object) {
  if (kube::resource_version_of(old_object) == kube::resource_version_of(new_object)) return true;
  return without(old_object, {"resourceVersion", "managedFields"}, true) !=
         without(new_object, {"resourceVersion", "managedFields"}, true);
}

bool config_changed(const json& old_object, const json& new_object) {
  return without(old_object, {"resourceVersion", "managedFields"}, false) !=
         without(new_object, {"resourceVersion", "managedFields"}, false);
}

}  // namespace veer::runtime
