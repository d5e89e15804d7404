#include "operator/controller/primary_scaler.hpp"

#include "model/canonical_json.hpp"
#include "operator/controller/primary_workload.hpp"

namespace veer::controller {

using nlohmann::json;

std::vector<std::string> hpa_api_versions(const model::AutoscalerRef& ref) {
  std::vector<std::string> out;
  if (!ref.api_version.empty()) out.push_back(ref.api_version);
  for (const char* version : {"autoscaling/v2", "autoscaling/v2beta2"}) {
    if (ref.api_version != version) out.push_back(version);
  }
  return out;
}

PrimaryScalerResult make_primary_hpa(const json& target_hpa, const model::AutoscalerRef& ref,
                                     const json& primary_workload, const json& owner_reference) {
  const auto& meta = target_hpa.value("metadata", json::object());
  const auto where = "HorizontalPodAutoscaler " + meta.value("namespace", "") + "/" + ref.name;
  const auto& spec = target_hpa.value("spec", json::object());
  if (!spec.contains("maxReplicas") || !spec["maxReplicas"].is_number_integer())
    return {nullptr, where + ": spec.maxReplicas is missing"};
  const auto& workload_meta = primary_workload.value("metadata", json::object());

  json out_spec = json::object();
  for (const char* key : {"minReplicas", "maxReplicas", "metrics", "behavior"}) {
    if (spec.contains(key)) out_spec[key] = spec[key];
  }
  out_spec["scaleTargetRef"] = {{"apiVersion", primary_workload.value("apiVersion", "apps/v1")},
                                {"kind", primary_workload.value("kind", "Deployment")},
                                {"name", workload_meta.value("name", "")}};
  if (ref.primary_scaler_replicas) {
    const auto& replicas = *ref.primary_scaler_replicas;
    if (replicas.min_replicas) out_spec["minReplicas"] = *replicas.min_replicas;
    if (replicas.max_replicas) out_spec["maxReplicas"] = *replicas.max_replicas;
  }
  json metadata = {{"name", ref.name + "-primary"},
                   {"namespace", meta.value("namespace", "")},
                   {"ownerReferences", json::array({owner_reference})}};
  auto labels = copied_metadata(meta.value("labels", json::object()), nullptr);
  if (!labels.empty()) metadata["labels"] = labels;
  auto annotations = copied_metadata(meta.value("annotations", json::object()), nullptr);
  if (!annotations.empty()) metadata["annotations"] = annotations;
  return {{{"apiVersion", target_hpa.value("apiVersion", "autoscaling/v2")},
           {"kind", "HorizontalPodAutoscaler"},
           {"metadata", metadata},
           {"spec", out_spec}},
          ""};
}

bool primary_hpa_differs(const json& existing, const json& wanted) {
  const auto& have = existing.value("metadata", json::object());
  const auto& want = wanted.value("metadata", json::object());
  return model::canonical_json(existing.value("spec", json::object())) !=
             model::canonical_json(wanted.value("spec", json::object())) ||
         have.value("labels", json::object()) != want.value("labels", json::object()) ||
         have.value("annotations", json::object()) != want.value("annotations", json::object());
}

long hpa_min_replicas(const json& hpa) {
  const auto& spec = hpa.value("spec", json::object());
  auto it = spec.find("minReplicas");
  return it != spec.end() && it->is_number_integer() ? std::max(1L, it->get<long>()) : 1L;
}

}  // namespace veer::controller
