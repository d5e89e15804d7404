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
  return std::vector<Write>{split(canary,
                                  {{canary.canary_name(), routes.canary_weight},
                                   {canary.primary_name(), routes.primary_weight}},
                                  observed)};
}

Write SmiRouter::split(const CanaryRouting& owner, const std::vector<SmiBackend>& backends,
                       const Observed& observed) const {
  const std::string service = owner.hosts.empty() ? owner.apex_name() : owner.hosts.front();
  json listed = json::array();
  for (const auto& b : backends)
    listed.push_back({{"service", b.service}, {"weight", weight_value(version_, b.weight)}});
  json spec = {{"service", service}, {"backends", listed}};
  CanaryRouting with_mesh_metadata = owner;
  if (mesh_ == "istio" && !owner.gateways.empty()) {
    // Istio's SMI adapter copies this annotation into the gateways of the VirtualService it
    // generates from the TrafficSplit (Flagger writes the same).
    auto& apex =
        with_mesh_metadata.apex_metadata.emplace(owner.apex_metadata.value_or(CustomMetadata{}));
    apex.annotations["VirtualService.v1alpha3.networking.istio.io/spec.gateways"] =
        json(owner.gateways).dump();
  }
  return upsert_apex_object(with_mesh_metadata, objects(owner).front(), spec,
                            {"/spec/service", "/spec/backends"}, observed);
}

Expected<std::map<std::string, std::optional<int>>> SmiRouter::backend_weights(
    const CanaryRouting& owner, const Observed& observed) const {
  const json* found = observed.find(objects(owner).front());
  if (found == nullptr)
    return not_found("TrafficSplit " + owner.apex_name() + "." + owner.namespace_ + " not found");
  std::map<std::string, std::optional<int>> weights;
  const json& backends = field_or_null(*found, "/spec/backends");
  for (std::size_t i = 0; backends.is_array() && i < backends.size(); ++i)
    weights[backends[i].value("service", std::string())] =
        read_weight(backends[i].value("weight", json()));
  return weights;
}

Expected<Routes> SmiRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  auto weights = backend_weights(canary, observed);
  if (!weights) return weights.error();
  auto weight_of = [&](const std::string& service) -> std::optional<int> {
    auto it = weights->find(service);
    return it == weights->end() ? std::nullopt : it->second;
  };
  const auto primary = weight_of(canary.primary_name());
  const auto canary_weight = weight_of(canary.canary_name());
  if (!primary || !canary_weight) {
    return invalid("TrafficSplit " + canary.apex_name() + "." + canary.namespace_ +
                   " does not contain integer weights for backends " + canary.primary_name() +
                   " and " + canary.canary_name());
  }
  return weighted(*primary, *canary_weight);
}

Expected<std::vector<Write>> SmiRouter::finalize(const CanaryRouting& canary,
                                                 const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
