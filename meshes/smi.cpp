#include "meshes/smi.hpp"

#include <charconv>

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

std::optional<int> parse_weight(const json& weight) {
  if (weight.is_number_integer()) return weight.get<int>();
  if (weight.is_number()) return static_cast<int>(weight.get<double>());
  if (!weight.is_string()) return std::nullopt;
  const auto& text = weight.get_ref<const std::string&>();
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Expected<std::vector<Write>> SmiRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                              const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  const auto where =
      "TrafficSplit " + canary.apex_name() + "." + canary.namespace_ + ": provider " + provider_;
  if (canary.ab_testing()) {
    return invalid(where +
                   " cannot route by request (spec.analysis.match); use istio, nginx or "
                   "gatewayapi for A/B testing");
  }
  if (routes.mirror) return invalid(where + " cannot mirror traffic (spec.analysis.mirror)");
  if (canary.session_affinity) {
    return invalid(where + " has no session affinity (spec.analysis.sessionAffinity)");
  }
  const std::string service = canary.hosts.empty() ? canary.apex_name() : canary.hosts.front();
  CustomMetadata metadata = canary.apex_metadata.value_or(CustomMetadata{});
  json fresh = {{"apiVersion", api_version()},
                {"kind", "TrafficSplit"},
                {"metadata", new_metadata(canary, canary.apex_name(), metadata)},
                {"spec",
                 {{"service", service},
                  {"backends",
                   {{{"service", canary.canary_name()},
                     {"weight", weight_value(version_, routes.canary_weight)}},
                    {{"service", canary.primary_name()},
                     {"weight", weight_value(version_, routes.primary_weight)}}}}}}};
  std::vector<std::string> owned = {"/spec/service", "/spec/backends"};
  for (auto& field : metadata_fields(metadata)) owned.push_back(std::move(field));
  const json* found = observed.find(objects(canary).front());
  UpsertOptions options;
  options.remember_original_spec = found && !is_controlled_by(*found, canary);
  return std::vector<Write>{upsert(fresh, owned, found, options)};
}

Expected<Routes> SmiRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* split = observed.find(objects(canary).front());
  const auto where = "TrafficSplit " + canary.apex_name() + "." + canary.namespace_;
  if (split == nullptr) return not_found(where + " not found");
  std::optional<int> primary, canary_weight;
  const json& backends = field_or_null(*split, "/spec/backends");
  for (std::size_t i = 0; backends.is_array() && i < backends.size(); ++i) {
    const auto service = backends[i].value("service", std::string());
    auto weight = parse_weight(backends[i].value("weight", json()));
    if (service == canary.primary_name()) primary = weight;
    if (service == canary.canary_name()) canary_weight = weight;
  }
  if (!primary || !canary_weight) {
    return invalid(where + " does not contain integer weights for backends " +
                   canary.primary_name() + " and " + canary.canary_name());
  }
  Routes routes;
  routes.primary_weight = *primary;
  routes.canary_weight = *canary_weight;
  return routes;
}

Expected<std::vector<Write>> SmiRouter::finalize(const CanaryRouting& canary,
                                                 const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
