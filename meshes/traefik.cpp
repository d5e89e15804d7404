#include "meshes/traefik.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kTraefikApiVersion = "traefik.io/v1alpha1";

std::string where_traefik(const CanaryRouting& canary) {
  return "TraefikService " + canary.apex_name() + "." + canary.namespace_;
}

json service(const CanaryRouting& canary, const std::string& name, int weight) {
  return {
      {"name", name}, {"namespace", canary.namespace_}, {"port", canary.port}, {"weight", weight}};
}

// While mirroring the canary gets no traffic of its own: spec.mirroring sends everything to the
// primary and a copy of `percent` requests to the canary. Traefik reads spec.weighted first when
// both are present, so the weighted block goes while mirroring.
Write mirroring(const CanaryRouting& canary, const Routes& routes, const Observed& observed,
                const ObjectRef& ref) {
  json primary = service(canary, canary.primary_name(), 0);
  primary.erase("weight");
  json mirror = service(canary, canary.canary_name(), 0);
  mirror.erase("weight");
  mirror["percent"] = routes.mirror_percentage.value_or(100);
  primary["mirrors"] = json::array({mirror});
  return upsert_apex_object(canary, ref, {{"mirroring", primary}},
                            {"/spec/weighted", "/spec/mirroring"}, observed);
}

Expected<Routes> read_mirroring(const CanaryRouting& canary, const json& mirroring) {
  if (mirroring.value("name", std::string()) != canary.primary_name()) {
    return invalid(where_traefik(canary) + ": spec.mirroring.name is not " + canary.primary_name());
  }
  Routes routes = weighted(100, 0);
  const json& mirrors = field_or_null(mirroring, "/mirrors");
  for (std::size_t i = 0; mirrors.is_array() && i < mirrors.size(); ++i) {
    if (mirrors[i].value("name", std::string()) != canary.canary_name()) continue;
    routes.mirror = true;
    const int percent = mirrors[i].value("percent", 0);
    if (percent != 100) routes.mirror_percentage = percent;
  }
  return routes;
}

}  // namespace

std::vector<ObjectRef> TraefikRouter::objects(const CanaryRouting& canary) const {
  return {{kTraefikApiVersion, "TraefikService", canary.apex_name()}};
}

Expected<std::vector<Write>> TraefikRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                  const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where_traefik(canary), provider(), canary, routes,
                                        {.mirroring = true})) {
    return *refused;
  }
  if (routes.mirror && routes.canary_weight > 0) {
    return invalid(where_traefik(canary) +
                   ": provider traefik mirrors only while the canary gets no "
                   "traffic (spec.analysis.mirror at canary weight " +
                   std::to_string(routes.canary_weight) + ")");
  }
  if (routes.mirror) {
    return std::vector<Write>{mirroring(canary, routes, observed, objects(canary).front())};
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
  return std::vector<Write>{
      upsert_apex_object(canary, objects(canary).front(), {{"weighted", {{"services", services}}}},
                         {"/spec/weighted/services", "/spec/mirroring"}, observed)};
}

Expected<Routes> TraefikRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* object = observed.find(objects(canary).front());
  if (object == nullptr) return not_found(where_traefik(canary) + " not found");
  const json& mirroring = field_or_null(*object, "/spec/mirroring");
  if (mirroring.is_object() && field_or_null(*object, "/spec/weighted").is_null()) {
    return read_mirroring(canary, mirroring);
  }
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
      return invalid(where_traefik(canary) + ": spec.weighted.services[" + std::to_string(i) +
                     "].weight is not an integer");
    }
    (name == canary.primary_name() ? routes.primary_weight : routes.canary_weight) = *weight;
    ++listed;
  }
  if (listed == 0) {
    return invalid(where_traefik(canary) + ": spec.weighted.services lists neither " +
                   canary.primary_name() + " nor " + canary.canary_name());
  }
  return routes;
}

Expected<std::vector<Write>> TraefikRouter::finalize(const CanaryRouting& canary,
                                                     const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
