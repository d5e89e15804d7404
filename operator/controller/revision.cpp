#include "operator/controller/revision.hpp"

#include "model/canonical_json.hpp"

namespace veer::controller {

nlohmann::json pod_template_of(const nlohmann::json& workload) {
  nlohmann::json pod_template = nlohmann::json::object();
  if (workload.contains("spec") && workload["spec"].contains("template"))
    pod_template = workload["spec"]["template"];
  if (!pod_template.is_object() || !pod_template.contains("spec")) return pod_template;
  auto& pod_spec = pod_template["spec"];
  // An empty nodeSelector counts as none (an API server drops it anyway).
  if (pod_spec.is_object() && pod_spec.contains("nodeSelector") &&
      pod_spec["nodeSelector"].is_object()) {
    pod_spec["nodeSelector"].erase(kScaleToZeroNodeSelector);
    if (pod_spec["nodeSelector"].empty()) pod_spec.erase("nodeSelector");
  }
  return pod_template;
}

std::string pod_template_hash(const nlohmann::json& workload) {
  return model::canonical_hash(pod_template_of(workload));
}

std::string revision_hash(const nlohmann::json& workload, const ConfigChecksums& configs) {
  const auto pod = pod_template_hash(workload);
  if (configs.empty()) return pod;
  return model::canonical_hash({{"podTemplate", pod}, {"configs", configs}});
}

}  // namespace veer::controller
