#include "meshes/gloo.hpp"

#include <optional>

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kRouteTableApiVersion = "gateway.solo.io/v1";
constexpr const char* kUpstreamApiVersion = "gloo.solo.io/v1";

std::string where_gloo(const CanaryRouting& canary) {
  return "RouteTable " + canary.apex_name() + "." + canary.namespace_;
}

std::string upstream_name(const CanaryRouting& canary, const char* role) {
  return canary.namespace_ + "-" + canary.apex_name() + "-" + role + "upstream-" +
         std::to_string(canary.port);
}

ObjectRef upstream_ref(const CanaryRouting& canary, const char* role) {
  return {kUpstreamApiVersion, "Upstream", upstream_name(canary, role)};
}

// spec.upstreamRef: the user's Upstream whose connection settings veer's Upstreams copy.
std::optional<ObjectRef> config_upstream_ref(const CanaryRouting& canary) {
  if (canary.upstream_ref_name.empty()) return std::nullopt;
  return ObjectRef{
      kUpstreamApiVersion, "Upstream", canary.upstream_ref_name,
      canary.upstream_ref_namespace.empty() ? canary.namespace_ : canary.upstream_ref_namespace};
}

// The settings copied from spec.upstreamRef (those Flagger copies, under the names of Gloo's
// schema); how to reach the pods (spec.kube) stays veer's.
constexpr const char* kCopiedSettings[] = {"sslConfig",
                                           "circuitBreakers",
                                           "connectionConfig",
                                           "loadBalancerConfig",
                                           "useHttp2",
                                           "initialStreamWindowSize",
                                           "initialConnectionWindowSize",
                                           "httpProxyHostname"};

// The Upstream for one of veer's Services, selecting the same pods, with the settings of
// `config` (the spec.upstreamRef Upstream; null when none). veer owns the copied settings, so a
// change to the referenced Upstream reaches both copies on the next reconcile.
Write upsert_upstream(const CanaryRouting& canary, const char* role, const std::string& service,
                      const std::string& pods, const json& config, const Observed& observed) {
  const ObjectRef ref = upstream_ref(canary, role);
  json spec = {{"kube",
                {{"serviceName", service},
                 {"serviceNamespace", canary.namespace_},
                 {"servicePort", canary.port},
                 {"selector", {{canary.selector_label, pods}}}}}};
  std::vector<std::string> owned = {"/spec/kube"};
  for (const char* setting : kCopiedSettings) {
    owned.push_back(std::string("/spec/") + setting);
    const json& value = field_or_null(config, std::string("/spec/") + setting);
    if (!value.is_null()) spec[setting] = value;
  }
  json fresh = {{"apiVersion", ref.api_version},
                {"kind", ref.kind},
                {"metadata", new_metadata(canary, ref.name, {})},
                {"spec", std::move(spec)}};
  return upsert(fresh, owned, observed.find(ref));
}

// spec.analysis.match as Gloo matchers (alternatives): exact or regex headers, exact methods.
Expected<json> matchers(const CanaryRouting& canary) {
  json out = json::array();
  for (const auto& match : canary.analysis_match) {
    json matcher = json::object();
    for (const auto& [key, value] : match.items()) {
      if (key == "headers") {
        for (const auto& [name, string_match] : value.items()) {
          if (string_match.contains("exact")) {
            matcher["headers"].push_back({{"name", name}, {"value", string_match["exact"]}});
          } else if (string_match.contains("regex")) {
            matcher["headers"].push_back(
                {{"name", name}, {"value", string_match["regex"]}, {"regex", true}});
          } else {
            return invalid(where_gloo(canary) + ": spec.analysis.match[].headers." + name +
                           " needs exact or regex for provider gloo");
          }
        }
      } else if (key == "method" && value.contains("exact")) {
        matcher["methods"] = json::array({value["exact"]});
      } else {
        return invalid(where_gloo(canary) + ": spec.analysis.match[]." + key +
                       " cannot be routed by provider gloo (headers and exact methods only)");
      }
    }
    out.push_back(matcher);
  }
  return out;
}

json destination(const CanaryRouting& canary, const char* role, int weight) {
  return {
      {"destination",
       {{"upstream", {{"name", upstream_name(canary, role)}, {"namespace", canary.namespace_}}}}},
      {"weight", weight}};
}

json route(const CanaryRouting& canary, int primary_weight, int canary_weight) {
  return {{"inheritablePathMatchers", true},
          {"routeAction",
           {{"multi",
             {{"destinations",
               {destination(canary, "primary", primary_weight),
                destination(canary, "canary", canary_weight)}}}}}}};
}

}  // namespace

std::vector<ObjectRef> GlooRouter::objects(const CanaryRouting& canary) const {
  std::vector<ObjectRef> refs = {{kRouteTableApiVersion, "RouteTable", canary.apex_name()},
                                 upstream_ref(canary, "primary"),
                                 upstream_ref(canary, "canary")};
  if (auto config = config_upstream_ref(canary)) refs.push_back(*config);
  return refs;
}

Expected<std::vector<Write>> GlooRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                               const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where_gloo(canary), provider(), canary, routes,
                                        {.ab_testing = true})) {
    return *refused;
  }
  json routes_json = json::array();
  if (canary.ab_testing()) {
    auto matched = matchers(canary);
    if (!matched) return matched.error();
    json to_canary = route(canary, routes.primary_weight, routes.canary_weight);
    to_canary["matchers"] = matched.value();
    routes_json.push_back(to_canary);
    routes_json.push_back(route(canary, 100, 0));
  } else {
    routes_json.push_back(route(canary, routes.primary_weight, routes.canary_weight));
  }
  json config;
  if (auto ref = config_upstream_ref(canary)) {
    const json* found = observed.find(*ref);
    if (found == nullptr) {
      // Without it the copies would lack the user's TLS or circuit-breaker settings.
      return not_found(where_gloo(canary) + ": spec.upstreamRef names Upstream " + ref->name + "." +
                       ref->namespace_ + ", which does not exist");
    }
    config = *found;
  }
  const auto pods = canary.pod_label_value();
  return std::vector<Write>{
      upsert_upstream(canary, "primary", canary.primary_name(), pods + "-primary", config,
                      observed),
      upsert_upstream(canary, "canary", canary.canary_name(), pods, config, observed),
      upsert_apex_object(canary, objects(canary).front(), {{"routes", routes_json}},
                         {"/spec/routes"}, observed)};
}

Expected<Routes> GlooRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* table = observed.find(objects(canary).front());
  if (table == nullptr) return not_found(where_gloo(canary) + " not found");
  // The first route splitting between both Upstreams carries the weights (in A/B, the matched one).
  const json& routes_json = field_or_null(*table, "/spec/routes");
  for (std::size_t i = 0; routes_json.is_array() && i < routes_json.size(); ++i) {
    std::optional<int> primary, canary_weight;
    const json& destinations = field_or_null(routes_json[i], "/routeAction/multi/destinations");
    for (std::size_t j = 0; destinations.is_array() && j < destinations.size(); ++j) {
      const auto name = destinations[j].value("/destination/upstream/name"_json_pointer, "");
      auto weight = read_weight(destinations[j].value("weight", json()));
      if (name == upstream_name(canary, "primary")) primary = weight;
      if (name == upstream_name(canary, "canary")) canary_weight = weight;
    }
    if (!primary || !canary_weight) continue;
    return weighted(*primary, *canary_weight);
  }
  return invalid(where_gloo(canary) + " has no route with integer weights for upstreams " +
                 upstream_name(canary, "primary") + " and " + upstream_name(canary, "canary"));
}

Expected<std::vector<Write>> GlooRouter::finalize(const CanaryRouting& canary,
                                                  const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
