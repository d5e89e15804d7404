#include "meshes/apisix.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"
#include "meshes/user_copy.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kApisixApiVersion = "apisix.apache.org/v2";
constexpr int kPriority = 10000;  // above the user's rule for the same path

std::string canary_route_name(const CanaryRouting& canary) {
  return canary.route_name + "-" + canary.apex_name() + "-canary";
}

// The index of the first HTTP rule with a backend named `service`.
std::optional<std::size_t> rule_for(const json& http, const std::string& service) {
  for (std::size_t i = 0; http.is_array() && i < http.size(); ++i) {
    const json& backends = field_or_null(http[i], "/backends");
    for (std::size_t j = 0; backends.is_array() && j < backends.size(); ++j) {
      if (backends[j].value("serviceName", "") == service) return i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<ObjectRef> ApisixRouter::objects(const CanaryRouting& canary) const {
  return {{kApisixApiVersion, "ApisixRoute", canary.route_name},
          {kApisixApiVersion, "ApisixRoute", canary_route_name(canary)}};
}

Expected<std::vector<Write>> ApisixRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                 const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (canary.route_name.empty()) {
    return invalid("Canary " + canary.name +
                   ": spec.routeRef.name is required for provider apisix");
  }
  const std::string where = "ApisixRoute " + canary.route_name + "." + canary.namespace_;
  if (auto refused = refuse_unsupported(where, provider(), canary, routes, {})) return *refused;
  const json* user_route = observed.find(objects(canary).front());
  if (user_route == nullptr) return not_found(where + " (spec.routeRef) not found");

  const json& http = field_or_null(*user_route, "/spec/http");
  const auto index = rule_for(http, canary.apex_name());
  if (!index) {
    return invalid(where + ": no spec.http[] rule has a backend with serviceName " +
                   canary.apex_name() + " (the apex Service)");
  }
  json rule = http[*index];
  if (rule["backends"].size() != 1) {
    return invalid(where + ": spec.http[" + std::to_string(*index) + "] (" +
                   rule.value("name", "") +
                   ") must have exactly one backend, the apex Service, for provider apisix");
  }
  json primary = rule["backends"][0];
  primary["serviceName"] = canary.primary_name();
  primary["weight"] = routes.primary_weight;
  json to_canary = {{"serviceName", canary.canary_name()}, {"weight", routes.canary_weight}};
  for (const char* key : {"servicePort", "resolveGranularity", "subset"}) {
    if (primary.contains(key)) to_canary[key] = primary[key];
  }
  rule["priority"] = kPriority;
  rule["backends"] = {primary, to_canary};
  json spec = user_route->value("spec", json::object());
  spec["http"] = json::array({rule});

  return std::vector<Write>{upsert_copy(canary, *user_route, canary_route_name(canary), spec,
                                        copied_annotations(*user_route), {},
                                        observed.find(objects(canary).back()))};
}

Expected<Routes> ApisixRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const std::string where = "ApisixRoute " + canary_route_name(canary) + "." + canary.namespace_;
  const json* route = observed.find(objects(canary).back());
  if (route == nullptr) return not_found(where + " not found");
  const json& http = field_or_null(*route, "/spec/http");
  std::optional<int> primary, canary_weight;
  if (auto index = rule_for(http, canary.primary_name())) {
    for (const auto& backend : http[*index]["backends"]) {
      const auto name = backend.value("serviceName", std::string());
      if (name == canary.primary_name()) primary = read_weight(backend.value("weight", json()));
      if (name == canary.canary_name()) {
        canary_weight = read_weight(backend.value("weight", json()));
      }
    }
  }
  if (!primary || !canary_weight) {
    return invalid(where + " has no spec.http[] rule with integer weights for backends " +
                   canary.primary_name() + " and " + canary.canary_name());
  }
  return weighted(*primary, *canary_weight);
}

Expected<std::vector<Write>> ApisixRouter::finalize(const CanaryRouting& canary,
                                                    const Observed& observed) const {
  return remove_copy(observed.find(objects(canary).back()), canary);
}

}  // namespace veer::meshes
