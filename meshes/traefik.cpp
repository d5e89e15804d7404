#include "meshes/traefik.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kApiVersion = "traefik.io/v1alpha1";

std::string where(const CanaryRouting& canary) {
  return "TraefikService " + canary.apex_name() + "." + canary.namespace_;
}

json service(const CanaryRouting& canary, const std::string& name, int weight) {
  return {
      {"name", name}, {"namespace", canary.namespace_}, {"port", canary.port}, {"weight", weight}};
}

}  // namespace

std::vector<ObjectRef> TraefikRouter::objects(const CanaryRouting& canary) const {
  return {{kApiVersion, "TraefikService", canary.apex_name()}};
}

Expected<std::vector<Write>> TraefikRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                  const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where(canary), provider(), canary, routes, {})) {
    return *refused;
  }
  // Traefik gives a weighted service without a weight the default weight 1, and Go clients omit
  // zero weights, so a service without traffic is left out of the list instead.
  json services = json::array();
  if (routes.primary_weight > 0) {
    services.push_back(service(canary, canary.primary_name(), routes.primary_weight));
  }
  if (routes.canary_weight > 0) {
    services.push_back(service(canary, canary.canary_name(), routes.canary_weight));
  }
  return std::vector<Write>{upsert_apex_object(canary, objects(canary).front(),
                                               {{"weighted", {{"services", services}}}},
                                               {"/spec/weighted/services"}, observed)};
}

Expected<Routes> TraefikRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* object = observed.find(objects(canary).front());
  if (object == nullptr) return not_found(where(canary) + " not found");
  // A Service that is not listed gets no traffic.
  Routes routes;
  routes.primary_weight = 0;
  int listed = 0;
  const json& services = field_or_null(*object, "/spec/weighted/services");
  for (std::size_t i = 0; services.is_array() && i < services.size(); ++i) {
    const auto name = services[i].value("name", std::string());
    if (name != canary.primary_name() && name != canary.canary_name()) continue;
    auto weight = read_weight(services[i].value("weight", json()));
    if (!weight) {
      return invalid(where(canary) + ": spec.weighted.services[" + std::to_string(i) +
                     "].weight is not an integer");
    }
    (name == canary.primary_name() ? routes.primary_weight : routes.canary_weight) = *weight;
    ++listed;
  }
  if (listed == 0) {
    return invalid(where(canary) + ": spec.weighted.services lists neither " +
                   canary.primary_name() + " nor " + canary.canary_name());
  }
  return routes;
}

Expected<std::vector<Write>> TraefikRouter::finalize(const CanaryRouting& canary,
                                                     const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
