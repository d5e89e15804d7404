#include "meshes/istio.hpp"

#include <algorithm>
#include <cctype>

#include "meshes/rule_merge.hpp"
#include "meshes/session_cookie.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kIstioApiVersion = "networking.istio.io/v1beta1";
constexpr const char* kStickyRouteName = "sticky-route";
constexpr const char* kStickyPrimaryRouteName = "sticky-primary-route";

bool is_tcp(const CanaryRouting& canary) {
  std::string protocol = canary.app_protocol;
  std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return protocol == "tcp";
}

// A destination; it names the port when a non-mesh gateway (or delegation) needs it.
json destination(const CanaryRouting& canary, const std::string& host, int weight) {
  json dest = {{"host", host}};
  bool ingress_gateway = !canary.gateways.empty() && canary.gateways.front() != "mesh";
  if (canary.port_discovery && (ingress_gateway || canary.delegation)) {
    dest["port"] = {{"number", canary.port}};
  }
  return {{"destination", dest}, {"weight", weight}};
}

std::string where_istio(const CanaryRouting& canary) {
  return "VirtualService " + canary.apex_name() + "." + canary.namespace_ + " (provider istio)";
}

// The fields every HTTP rule copies from spec.service.
json base_http_route(const CanaryRouting& canary) {
  json route = json::object();
  if (non_empty(canary.match)) route["match"] = canary.match;
  if (non_empty(canary.rewrite)) {
    json rewrite = json::object();
    if (canary.rewrite.contains("uri")) rewrite["uri"] = canary.rewrite["uri"];
    if (canary.rewrite.contains("authority")) rewrite["authority"] = canary.rewrite["authority"];
    if (!rewrite.empty()) route["rewrite"] = rewrite;
  }
  if (!canary.timeout.empty()) route["timeout"] = canary.timeout;
  if (non_empty(canary.retries)) route["retries"] = canary.retries;
  if (non_empty(canary.cors_policy)) route["corsPolicy"] = canary.cors_policy;
  if (non_empty(canary.headers)) route["headers"] = canary.headers;
  return route;
}

Expected<json> cookie_match(const CanaryRouting& canary, const std::string& cookie) {
  json match = {{"headers", {{"Cookie", {{"regex", cookie_regex(cookie)}}}}}};
  return and_matches(json::array({match}), canary.match, where_istio(canary));
}

Expected<json> http_routes(const CanaryRouting& canary, const Routes& routes) {
  const json base = base_http_route(canary);
  const auto primary = canary.primary_name();
  const auto canary_host = canary.canary_name();

  if (canary.ab_testing()) {
    json to_canary = base;
    auto match = and_matches(canary.analysis_match, canary.match, where_istio(canary));
    if (!match) return match.error();
    to_canary["match"] = match.value();
    to_canary["route"] = {destination(canary, primary, routes.primary_weight),
                          destination(canary, canary_host, routes.canary_weight)};
    json rest = base;
    rest["route"] = {destination(canary, primary, 100)};
    return json::array({to_canary, rest});
  }

  json weighted = base;
  weighted["route"] = {destination(canary, primary, routes.primary_weight),
                       destination(canary, canary_host, routes.canary_weight)};
  if (routes.mirror) {
    weighted["mirror"] = {{"host", canary_host}};
    if (routes.mirror_percentage) {
      weighted["mirrorPercentage"] = {{"value", *routes.mirror_percentage}};
    }
  }
  if (!canary.session_affinity) return json::array({weighted});

  const auto& affinity = *canary.session_affinity;
  json sticky = base;
  sticky["name"] = kStickyRouteName;
  if (routes.canary_weight != 0) {
    if (routes.session_cookie.empty()) {
      return invalid("Canary " + canary.name +
                     ": session affinity needs a session cookie while the canary gets traffic");
    }
    weighted["route"][1]["headers"]["response"]["add"]["Set-Cookie"] =
        set_cookie_value(affinity, routes.session_cookie);
    auto match = cookie_match(canary, routes.session_cookie);
    if (!match) return match.error();
    sticky["match"] = match.value();
    sticky["route"] = {destination(canary, primary, 0), destination(canary, canary_host, 100)};
    const auto primary_cookie = primary_session_cookie(affinity, routes.session_cookie);
    if (primary_cookie.empty()) return json::array({sticky, weighted});
    // primaryCookieName (as Flagger): users the primary served stay on it for an interval.
    weighted["route"][0]["headers"]["response"]["add"]["Set-Cookie"] =
        set_primary_cookie_value(affinity, primary_cookie);
    auto primary_match = cookie_match(canary, primary_cookie);
    if (!primary_match) return primary_match.error();
    json sticky_primary = base;
    sticky_primary["name"] = kStickyPrimaryRouteName;
    sticky_primary["match"] = primary_match.value();
    sticky_primary["route"] = {destination(canary, primary, 100),
                               destination(canary, canary_host, 0)};
    return json::array({sticky, sticky_primary, weighted});
  }
  if (routes.previous_session_cookie.empty()) return json::array({weighted});
  // The run is over: requests still carrying its cookie go to the primary and lose the cookie.
  auto match = cookie_match(canary, routes.previous_session_cookie);
  if (!match) return match.error();
  sticky["match"] = match.value();
  sticky["route"] = weighted["route"];
  sticky["headers"]["response"]["add"]["Set-Cookie"] =
      expire_cookie_value(routes.previous_session_cookie);
  return json::array({sticky, weighted});
}

json tcp_routes(const CanaryRouting& canary, const Routes& routes) {
  json route = {{"route",
                 {destination(canary, canary.primary_name(), routes.primary_weight),
                  destination(canary, canary.canary_name(), routes.canary_weight)}}};
  if (non_empty(canary.match)) {
    json matches = json::array();
    for (const auto& m : canary.match) {
      if (m.contains("port")) matches.push_back({{"port", m["port"]}});
    }
    if (!matches.empty()) route["match"] = matches;
  }
  return json::array({route});
}

// A rule is veer's when it routes to the apex, primary or canary Service.
bool routes_to_canary_services(const CanaryRouting& canary, const json& rule) {
  for (const auto& dest : rule.value("route", json::array())) {
    auto host = dest.value("/destination/host"_json_pointer, std::string());
    for (const auto& name : {canary.apex_name(), canary.primary_name(), canary.canary_name()}) {
      if (names_service(host, name)) return true;
    }
  }
  return false;
}

json destination_rule(const CanaryRouting& canary, const std::string& name) {
  json spec = {{"host", name}};
  if (non_empty(canary.traffic_policy)) spec["trafficPolicy"] = canary.traffic_policy;
  return {{"apiVersion", kIstioApiVersion},
          {"kind", "DestinationRule"},
          {"metadata", new_metadata(canary, name, {})},
          {"spec", spec}};
}

}  // namespace

std::vector<ObjectRef> IstioRouter::objects(const CanaryRouting& canary) const {
  return {{kIstioApiVersion, "VirtualService", canary.apex_name()},
          {kIstioApiVersion, "DestinationRule", canary.primary_name()},
          {kIstioApiVersion, "DestinationRule", canary.canary_name()}};
}

Expected<std::vector<Write>> IstioRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  const auto apex = canary.apex_name();
  if (canary.delegation && (!canary.hosts.empty() || !canary.gateways.empty())) {
    return invalid("VirtualService " + apex + "." + canary.namespace_ +
                   ": spec.service.hosts and spec.service.gateways must be empty when "
                   "spec.service.delegation is true");
  }

  std::vector<Write> writes;
  for (const auto& name : {canary.primary_name(), canary.canary_name()}) {
    writes.push_back(upsert(destination_rule(canary, name), {"/spec/host", "/spec/trafficPolicy"},
                            observed.find({kIstioApiVersion, "DestinationRule", name})));
  }

  json spec = json::object();
  if (!canary.delegation) {
    json hosts = canary.hosts;
    if (std::none_of(canary.hosts.begin(), canary.hosts.end(),
                     [&](const auto& h) { return h == apex || h == "*"; })) {
      hosts.push_back(apex);
    }
    spec["hosts"] = hosts;
    spec["gateways"] = canary.gateways.empty() ? json::array({"mesh"}) : json(canary.gateways);
  }
  const json* found = observed.find({kIstioApiVersion, "VirtualService", apex});
  auto is_ours = [&](const json& rule) { return routes_to_canary_services(canary, rule); };
  std::string rules_field;
  if (is_tcp(canary)) {
    rules_field = "tcp";
    spec["tcp"] = merge_rules(found ? field_or_null(*found, "/spec/tcp") : json(),
                              tcp_routes(canary, routes), is_ours);
  } else {
    auto http = http_routes(canary, routes);
    if (!http) return http.error();
    rules_field = "http";
    spec["http"] =
        merge_rules(found ? field_or_null(*found, "/spec/http") : json(), http.value(), is_ours);
  }

  CustomMetadata metadata = canary.apex_metadata.value_or(CustomMetadata{});
  json fresh = {{"apiVersion", kIstioApiVersion},
                {"kind", "VirtualService"},
                {"metadata", new_metadata(canary, apex, metadata)},
                {"spec", spec}};
  std::vector<std::string> owned = {"/spec/hosts", "/spec/gateways", "/spec/" + rules_field};
  for (auto& field : metadata_fields(canary, metadata)) owned.push_back(std::move(field));
  UpsertOptions options;
  options.remember_original_spec = found && !is_controlled_by(*found, canary);
  writes.push_back(upsert(fresh, owned, found, options));
  return writes;
}

Expected<Routes> IstioRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const auto apex = canary.apex_name();
  const json* vs = observed.find({kIstioApiVersion, "VirtualService", apex});
  if (vs == nullptr) {
    return not_found("VirtualService " + apex + "." + canary.namespace_ + " not found");
  }
  const char* field = is_tcp(canary) ? "tcp" : "http";
  // The weighted rule is the last one that sends anything to the canary (the sticky rule of
  // session affinity and the A/B catch-all come before / after it).
  const json* weighted = nullptr;
  const json& rules = field_or_null(*vs, std::string("/spec/") + field);
  for (std::size_t i = 0; rules.is_array() && i < rules.size(); ++i) {
    for (const auto& dest : rules[i].value("route", json::array())) {
      if (dest.value("/destination/host"_json_pointer, std::string()) == canary.canary_name()) {
        weighted = &rules[i];
      }
    }
  }
  Routes routes;
  routes.primary_weight = routes.canary_weight = 0;
  bool primary_seen = false;
  if (weighted != nullptr) {
    for (const auto& dest : (*weighted)["route"]) {
      auto host = dest.value("/destination/host"_json_pointer, std::string());
      if (host == canary.primary_name()) {
        routes.primary_weight = dest.value("weight", 0);
        primary_seen = true;
      } else if (host == canary.canary_name()) {
        routes.canary_weight = dest.value("weight", 0);
      }
    }
    if (weighted->value("/mirror/host"_json_pointer, std::string()) == canary.canary_name()) {
      routes.mirror = true;
      if (weighted->contains("mirrorPercentage")) {
        routes.mirror_percentage = weighted->value("/mirrorPercentage/value"_json_pointer, 100);
      }
    }
  }
  if (weighted == nullptr || !primary_seen) {
    return invalid("VirtualService " + apex + "." + canary.namespace_ +
                   " does not contain routes for " + canary.primary_name() + " and " +
                   canary.canary_name());
  }
  return routes;
}

Expected<std::vector<Write>> IstioRouter::finalize(const CanaryRouting& canary,
                                                   const Observed& observed) const {
  return restore_original_spec(
      observed.find({kIstioApiVersion, "VirtualService", canary.apex_name()}));
}

}  // namespace veer::meshes
