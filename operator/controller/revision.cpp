#include "operator/controller/revision.hpp"

#include "model/canonical_json.hpp"

namespace veer::controller {

std::string pod_template_hash(const nlohmann::json& workload) {
  nlohmann::json pod_template = nlohmann::json::object();
  if (workload.contains("spec") && workload["spec"].contains("template"))
    pod_template = workload["spec"]["template"];
  return model::canonical_hash(pod_template);
}

std::string revision_hash(const nlohmann::json& workload, const ConfigChecksums& configs) {
  const auto pod = pod_template_hash(workload);
  if (configs.empty()) return pod;
  return model::canonical_hash({{"podTemplate", pod}, {"configs", configs}});
}

}  // namespace veer::controller
