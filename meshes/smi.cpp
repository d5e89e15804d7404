#include "meshes/smi.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

std::string SmiRouter::api_version() const {
  switch (version_) {
    case SmiVersion::v1alpha1:
      return "split.smi-spec.io/v1alpha1";
    case SmiVersion::v1alpha2:
      return "split.smi-spec.io/v1alpha2";
    case SmiVersion::v1alpha3:
      return "split.smi-spec.io/v1alpha3";
    case SmiVersion::v1alpha4:
      return "split.smi-spec.io/v1alpha4";
  }
  return "split.smi-spec.io/v1alpha1";
}

std::vector<ObjectRef> SmiRouter::objects(const CanaryRouting& canary) const {
  return {{api_version(), "TrafficSplit", canary.apex_name()}};
}

namespace {

// v1alpha1 weights are resource.Quantity values, which Kubernetes writes as strings.
json weight_value(SmiVersion version, int weight) {
  if (version == SmiVersion::v1alpha1) return std::to_string(weight);
  return weight;
}

}  // namespace

Expected<std::vector<Write>> SmiRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                              const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  const auto where = "TrafficSplit " + canary.apex_name() + "." + canary.namespace_;
  if (auto refused = refuse_unsupported(where, provider_, canary, routes, {})) return *refused;
  const std::string service = canary.hosts.empty() ? canary.apex_name() : canary.hosts.front();
  json spec = {{"service", service},
               {"backends",
                {{{"service", canary.canary_name()},
                  {"weight", weight_value(version_, routes.canary_weight)}},
                 {{"service", canary.primary_name()},
                  {"weight", weight_value(version_, routes.primary_weight)}}}}};
  CanaryRouting with_mesh_metadata = canary;
  if (mesh_ == "istio" && !canary.gateways.empty()) {
    // Istio's SMI adapter copies this annotation into the gateways of the VirtualService it
    // generates from the TrafficSplit (Flagger writes the same).
    auto& apex =
        with_mesh_metadata.apex_metadata.emplace(canary.apex_metadata.value_or(CustomMetadata{}));
    apex.annotations["VirtualService.v1alpha3.networking.istio.io/spec.gateways"] =
        json(canary.gateways).dump();
  }
  return std::vector<Write>{upsert_apex_object(with_mesh_metadata, objects(canary).front(), spec,
                                               {"/spec/service", "/spec/backends"}, observed)};
}

Expected<Routes> SmiRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* split = observed.find(objects(canary).front());
  const auto where = "TrafficSplit " + canary.apex_name() + "." + canary.namespace_;
  if (split == nullptr) return not_found(where + " not found");
  std::optional<int> primary, canary_weight;
  const json& backends = field_or_null(*split, "/spec/backends");
  for (std::size_t i = 0; backends.is_array() && i < backends.size(); ++i) {
    const auto service = backends[i].value("service", std::string());
    auto weight = read_weight(backends[i].value("weight", json()));
    if (service == canary.primary_name()) primary = weight;
    if (service == canary.canary_name()) canary_weight = weight;
  }
  if (!primary || !canary_weight) {
    return invalid(where + " does not contain integer weights for backends " +
                   canary.primary_name() + " and " + canary.canary_name());
  }
  return weighted(*primary, *canary_weight);
}

Expected<std::vector<Write>> SmiRouter::finalize(const CanaryRouting& canary,
                                                 const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
