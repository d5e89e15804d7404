#include "meshes/gateway_api.hpp"

#include <set>

#include "meshes/rule_merge.hpp"
#include "meshes/session_cookie.hpp"
#include "model/duration.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

// Filter types veer renders on its rules; any other filter type on them is the user's and stays
// (a CORS filter too, unless spec.service.corsPolicy makes it veer's).
std::set<std::string> rendered_filter_types(const CanaryRouting& canary) {
  std::set<std::string> types = {"RequestHeaderModifier", "ResponseHeaderModifier", "URLRewrite",
                                 "RequestMirror"};
  if (non_empty(canary.cors_policy)) types.insert("CORS");
  return types;
}

// Istio-style string match {exact|prefix|regex} -> Gateway API {type, value}.
Expected<json> string_match(const json& match, const std::string& where, bool allow_prefix) {
  if (match.contains("exact")) return json{{"type", "Exact"}, {"value", match["exact"]}};
  if (match.contains("regex")) {
    return json{{"type", "RegularExpression"}, {"value", match["regex"]}};
  }
  if (allow_prefix && match.contains("prefix")) {
    return json{{"type", "PathPrefix"}, {"value", match["prefix"]}};
  }
  return invalid(where + ": Gateway API supports only exact" +
                 std::string(allow_prefix ? ", prefix" : "") + " and regex matches, got " +
                 match.dump());
}

// spec.service.match / spec.analysis.match (Istio HTTPMatchRequest) -> HTTPRouteMatch list. A
// key HTTPRoute cannot express (sourceLabels, withoutHeaders, scheme, authority, port, ...) is
// an error: dropping it would widen the match (and in A/B send every request to the canary).
Expected<json> route_matches(const json& istio_matches, const std::string& field,
                             const std::string& provider) {
  static const std::set<std::string> routable = {"uri", "method", "headers", "queryParams",
                                                 "name"};  // `name` only labels Istio's logs
  json matches = json::array();
  if (!istio_matches.is_array()) return matches;
  for (std::size_t i = 0; i < istio_matches.size(); ++i) {
    const auto& m = istio_matches[i];
    const std::string where = field + "[" + std::to_string(i) + "]";
    for (const auto& [key, value] : m.items()) {
      if (!routable.count(key)) {
        return invalid(where + "." + key + " cannot be routed by provider " + provider +
                       " (an HTTPRoute matches uri, method, headers and queryParams only)");
      }
    }
    json match = json::object();
    if (m.contains("uri")) {
      auto path = string_match(m["uri"], where + ".uri", true);
      if (!path) return path.error();
      match["path"] = path.value();
    }
    if (m.contains("method")) {
      if (!m["method"].contains("exact")) {
        return invalid(where + ".method: Gateway API supports only exact method matches");
      }
      match["method"] = m["method"]["exact"];
    }
    for (const auto& [key, out] :
         {std::pair{"headers", "headers"}, std::pair{"queryParams", "queryParams"}}) {
      if (!m.contains(key)) continue;
      for (const auto& [name, value] : m[key].items()) {
        auto typed = string_match(value, where + "." + key + "." + name, false);
        if (!typed) return typed.error();
        json entry = typed.value();
        entry["name"] = name;
        match[out].push_back(entry);
      }
    }
    if (!match.empty()) matches.push_back(match);
  }
  return matches;
}

// Every match as the API server stores it: the CRD defaults a missing path to PathPrefix /.
json with_default_paths(json matches) {
  if (matches.empty()) matches.push_back(json::object());
  for (auto& match : matches) {
    if (!match.contains("path")) match["path"] = {{"type", "PathPrefix"}, {"value", "/"}};
  }
  return matches;
}

json header_list(const json& map) {
  json list = json::array();
  for (const auto& [name, value] : map.items()) list.push_back({{"name", name}, {"value", value}});
  return list;
}

json header_modifier(const json& operations) {
  json modifier = json::object();
  if (non_empty(operations.value("add", json()))) modifier["add"] = header_list(operations["add"]);
  if (non_empty(operations.value("set", json()))) modifier["set"] = header_list(operations["set"]);
  if (non_empty(operations.value("remove", json()))) modifier["remove"] = operations["remove"];
  return modifier;
}

// spec.service.corsPolicy (Istio's CorsPolicy) as an HTTPRoute CORS filter. Gateway API origins
// are plain strings (with `*` wildcards): an Istio prefix or regex origin cannot be expressed.
Expected<json> cors_filter(const json& policy, const std::string& provider) {
  const std::string field = "spec.service.corsPolicy";
  json cors = json::object();
  for (const auto& [key, value] : policy.items()) {
    if (key == "allowOrigin") {  // Istio's deprecated list of exact origins
      for (const auto& origin : value) cors["allowOrigins"].push_back(origin);
    } else if (key == "allowOrigins") {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].contains("exact")) {
          return invalid(field + ".allowOrigins[" + std::to_string(i) + "]: provider " + provider +
                         " takes exact origins only (a CORS filter has no prefix or regex match)");
        }
        cors["allowOrigins"].push_back(value[i]["exact"]);
      }
    } else if (key == "allowMethods" || key == "allowHeaders" || key == "exposeHeaders" ||
               key == "allowCredentials") {
      cors[key] = value;
    } else if (key == "maxAge") {
      auto age =
          value.is_string() ? model::parse_duration_ms(value.get<std::string>()) : std::nullopt;
      if (!age) return invalid(field + ".maxAge: not a duration: " + value.dump());
      cors["maxAge"] = std::chrono::duration_cast<std::chrono::seconds>(*age).count();
    } else {
      return invalid(field + "." + key + " cannot be rendered by provider " + provider +
                     " (an HTTPRoute CORS filter has allowOrigins, allowMethods, allowHeaders, "
                     "exposeHeaders, allowCredentials and maxAge)");
    }
  }
  if (!cors.contains("maxAge")) cors["maxAge"] = 5;  // the CRD's default, written as stored
  return json{{"type", "CORS"}, {"cors", cors}};
}

Expected<json> service_filters(const CanaryRouting& canary, const std::string& provider) {
  json filters = json::array();
  if (non_empty(canary.cors_policy)) {
    auto cors = cors_filter(canary.cors_policy, provider);
    if (!cors) return cors.error();
    filters.push_back(cors.value());
  }
  const auto& headers = canary.headers;
  if (non_empty(headers)) {
    if (headers.contains("request")) {
      filters.push_back({{"type", "RequestHeaderModifier"},
                         {"requestHeaderModifier", header_modifier(headers["request"])}});
    }
    if (headers.contains("response")) {
      filters.push_back({{"type", "ResponseHeaderModifier"},
                         {"responseHeaderModifier", header_modifier(headers["response"])}});
    }
  }
  if (non_empty(canary.rewrite)) {
    json rewrite = json::object();
    if (canary.rewrite.contains("authority")) rewrite["hostname"] = canary.rewrite["authority"];
    if (canary.rewrite.contains("uri")) {
      std::string type = canary.rewrite.value("type", "");
      if (type != "ReplacePrefixMatch") type = "ReplaceFullPath";
      const char* key = type == "ReplaceFullPath" ? "replaceFullPath" : "replacePrefixMatch";
      rewrite["path"] = {{"type", type}, {key, canary.rewrite["uri"]}};
    }
    filters.push_back({{"type", "URLRewrite"}, {"urlRewrite", rewrite}});
  }
  if (canary.mirror_filters.is_array()) {
    for (auto mirror : canary.mirror_filters) {
      // As the API server defaults a backendRef, so that an idle reconcile sees no change.
      if (mirror.contains("backendRef") && mirror["backendRef"].is_object()) {
        auto& ref = mirror["backendRef"];
        if (!ref.contains("group")) ref["group"] = "";
        if (!ref.contains("kind")) ref["kind"] = "Service";
      }
      if (mirror.contains("fraction") && mirror["fraction"].is_object() &&
          !mirror["fraction"].contains("denominator"))
        mirror["fraction"]["denominator"] = 100;
      filters.push_back({{"type", "RequestMirror"}, {"requestMirror", mirror}});
    }
  }
  return filters;
}

json backend(const CanaryRouting& canary, const std::string& name, int weight) {
  return {{"group", ""},
          {"kind", "Service"},
          {"name", name},
          {"port", canary.port},
          {"weight", weight}};
}

// Adds "Set-Cookie: value" to a rule's or backend's filter list, inside an existing
// ResponseHeaderModifier when there is one (a filter type may appear only once).
void add_set_cookie(json& filters, const std::string& value) {
  json header = {{"name", "Set-Cookie"}, {"value", value}};
  if (!filters.is_array()) filters = json::array();
  for (auto& filter : filters) {
    if (filter.value("type", "") == "ResponseHeaderModifier") {
      filter["responseHeaderModifier"]["add"].push_back(header);
      return;
    }
  }
  filters.push_back({{"type", "ResponseHeaderModifier"},
                     {"responseHeaderModifier", {{"add", json::array({header})}}}});
}

json parent_refs(const CanaryRouting& canary) {
  json refs = json::array();
  for (auto ref : canary.gateway_refs) {
    // The API server defaults these; writing them keeps an idle reconcile from seeing a change.
    if (!ref.contains("group")) ref["group"] = "gateway.networking.k8s.io";
    if (!ref.contains("kind")) ref["kind"] = "Gateway";
    refs.push_back(ref);
  }
  return refs;
}

bool is_ours(const CanaryRouting& canary, const json& rule) {
  for (const auto& ref : rule.value("backendRefs", json::array())) {
    auto name = ref.value("name", std::string());
    if (name == canary.apex_name() || name == canary.primary_name() ||
        name == canary.canary_name()) {
      return true;
    }
  }
  return false;
}

// The i-th rule of veer's rules gets back the filters the user added to the i-th rule veer
// owned before (types veer does not render), so that user filters survive every write.
void keep_user_filters(const CanaryRouting& canary, const json& observed_rules, json& ours) {
  if (!observed_rules.is_array()) return;
  const auto rendered = rendered_filter_types(canary);
  std::size_t index = 0;
  for (const auto& rule : observed_rules) {
    if (!is_ours(canary, rule)) continue;
    if (index >= ours.size()) break;
    for (const auto& filter : rule.value("filters", json::array())) {
      if (!rendered.count(filter.value("type", ""))) {
        ours[index]["filters"].push_back(filter);
      }
    }
    ++index;
  }
}

std::string route_label(const CanaryRouting& canary) {
  return "HTTPRoute " + canary.apex_name() + "." + canary.namespace_;
}

Expected<json> rules_for(const CanaryRouting& canary, const Routes& routes,
                         const std::string& provider) {
  auto service_matches = route_matches(canary.match, "spec.service.match", provider);
  if (!service_matches) return service_matches.error();
  json matches = with_default_paths(service_matches.value());
  const std::string where = route_label(canary) + " (provider " + provider + ")";
  // The A/B and cookie matches, ANDed with spec.service.match (nothing dropped).
  auto and_service = [&](const json& extra) -> Expected<json> {
    auto combined = and_matches(extra, service_matches.value(), where);
    if (!combined) return combined.error();
    return with_default_paths(combined.value());
  };

  json base = {{"matches", matches}};
  auto filters = service_filters(canary, provider);
  if (!filters) return filters.error();
  if (!filters->empty()) base["filters"] = filters.value();
  if (!canary.timeout.empty()) base["timeouts"]["request"] = canary.timeout;
  if (!canary.backend_timeout.empty()) base["timeouts"]["backendRequest"] = canary.backend_timeout;

  json weighted = base;
  weighted["backendRefs"] = {backend(canary, canary.primary_name(), routes.primary_weight),
                             backend(canary, canary.canary_name(), routes.canary_weight)};
  if (routes.mirror) {
    json mirror = {{"backendRef",
                    {{"group", ""},
                     {"kind", "Service"},
                     {"name", canary.canary_name()},
                     {"port", canary.port}}}};
    if (routes.mirror_percentage && *routes.mirror_percentage < 100) {
      mirror["percent"] = *routes.mirror_percentage;
    }
    weighted["filters"].push_back({{"type", "RequestMirror"}, {"requestMirror", mirror}});
  }

  if (canary.ab_testing()) {
    auto analysis_matches = route_matches(canary.analysis_match, "spec.analysis.match", provider);
    if (!analysis_matches) return analysis_matches.error();
    auto ab_matches = and_service(analysis_matches.value());
    if (!ab_matches) return ab_matches.error();
    weighted["matches"] = ab_matches.value();
    json rest = base;
    rest["backendRefs"] = {backend(canary, canary.primary_name(), 100)};
    return json::array({weighted, rest});
  }
  if (!canary.session_affinity) return json::array({weighted});

  json sticky = weighted;
  sticky.erase("filters");
  if (base.contains("filters")) sticky["filters"] = base["filters"];
  auto sticky_matches = [&](const std::string& cookie) {
    json cookie_match = {
        {"headers",
         {{{"name", "Cookie"}, {"type", "RegularExpression"}, {"value", cookie_regex(cookie)}}}}};
    return and_service(json::array({cookie_match}));
  };
  if (routes.canary_weight != 0) {
    if (routes.session_cookie.empty()) {
      return invalid(route_label(canary) +
                     ": session affinity needs a session cookie while the canary gets traffic");
    }
    add_set_cookie(weighted["backendRefs"][1]["filters"],
                   set_cookie_value(*canary.session_affinity, routes.session_cookie));
    auto matched = sticky_matches(routes.session_cookie);
    if (!matched) return matched.error();
    sticky["matches"] = matched.value();
    sticky["backendRefs"] = {backend(canary, canary.primary_name(), 0),
                             backend(canary, canary.canary_name(), 100)};
    const auto& affinity = *canary.session_affinity;
    const auto primary_cookie = primary_session_cookie(affinity, routes.session_cookie);
    if (primary_cookie.empty()) return json::array({sticky, weighted});
    // primaryCookieName (as Flagger): users the primary served stay on it for an interval.
    add_set_cookie(weighted["backendRefs"][0]["filters"],
                   set_primary_cookie_value(affinity, primary_cookie));
    auto primary_matched = sticky_matches(primary_cookie);
    if (!primary_matched) return primary_matched.error();
    json sticky_primary = sticky;
    sticky_primary["matches"] = primary_matched.value();
    sticky_primary["backendRefs"] = {backend(canary, canary.primary_name(), 100),
                                     backend(canary, canary.canary_name(), 0)};
    return json::array({sticky, sticky_primary, weighted});
  }
  if (routes.previous_session_cookie.empty()) return json::array({weighted});
  auto matched = sticky_matches(routes.previous_session_cookie);
  if (!matched) return matched.error();
  sticky["matches"] = matched.value();
  add_set_cookie(sticky["filters"], expire_cookie_value(routes.previous_session_cookie));
  return json::array({sticky, weighted});
}

// Why the route is not yet applied, if it is not: every parent must report Accepted=True for
// the current generation.
std::optional<std::string> not_accepted(const json& route) {
  const auto generation = route.value("/metadata/generation"_json_pointer, 0LL);
  const json& parents = field_or_null(route, "/status/parents");
  const json& wanted = field_or_null(route, "/spec/parentRefs");
  if (!parents.is_array() || parents.empty()) return std::string("no parent has reported status");
  for (const auto& ref : wanted.is_array() ? wanted : json::array()) {
    const auto name = ref.value("name", std::string());
    const json* status = nullptr;
    for (const auto& parent : parents) {
      if (parent.value("/parentRef/name"_json_pointer, std::string()) == name) status = &parent;
    }
    if (status == nullptr) return "parent " + name + " has not reported status";
    std::optional<json> condition;
    for (const auto& c : status->value("conditions", json::array())) {
      if (c.value("type", "") == "Accepted") condition = c;
    }
    if (!condition) return "parent " + name + " has no Accepted condition";
    if (condition->value("status", "") != "True") {
      return "parent " + name + " did not accept it (" + condition->value("reason", "") + ": " +
             condition->value("message", "") + ")";
    }
    if (condition->value("observedGeneration", 0LL) < generation) {
      return "parent " + name + " accepted generation " +
             std::to_string(condition->value("observedGeneration", 0LL)) + ", not the current " +
             std::to_string(generation);
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<ObjectRef> GatewayApiRouter::objects(const CanaryRouting& canary) const {
  return {{"gateway.networking.k8s.io/" + version_, "HTTPRoute", canary.apex_name()}};
}

Expected<std::vector<Write>> GatewayApiRouter::apply(const CanaryRouting& canary,
                                                     const Routes& routes,
                                                     const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (!canary.gateway_refs.is_array() || canary.gateway_refs.empty()) {
    return invalid(route_label(canary) +
                   ": spec.service.gatewayRefs must name at least one "
                   "Gateway (or the apex Service) for provider " +
                   provider_);
  }
  auto rules = rules_for(canary, routes, provider_);
  if (!rules) return rules.error();
  const json* found = observed.find(objects(canary).front());
  const json& observed_rules = found ? field_or_null(*found, "/spec/rules") : json();
  keep_user_filters(canary, observed_rules, rules.value());

  json spec = {{"parentRefs", parent_refs(canary)},
               {"rules", merge_rules(observed_rules, rules.value(),
                                     [&](const json& rule) { return is_ours(canary, rule); })}};
  if (!canary.hosts.empty()) spec["hostnames"] = canary.hosts;
  CustomMetadata metadata = canary.apex_metadata.value_or(CustomMetadata{});
  json fresh = {{"apiVersion", objects(canary).front().api_version},
                {"kind", "HTTPRoute"},
                {"metadata", new_metadata(canary, canary.apex_name(), metadata)},
                {"spec", spec}};
  std::vector<std::string> owned = {"/spec/parentRefs", "/spec/hostnames", "/spec/rules"};
  for (auto& field : metadata_fields(canary, metadata)) owned.push_back(std::move(field));
  UpsertOptions options;
  options.remember_original_spec = found && !is_controlled_by(*found, canary);
  return std::vector<Write>{upsert(fresh, owned, found, options)};
}

Expected<Routes> GatewayApiRouter::read(const CanaryRouting& canary,
                                        const Observed& observed) const {
  const json* route = observed.find(objects(canary).front());
  if (route == nullptr) return not_found(route_label(canary) + " not found");
  if (auto why = not_accepted(*route)) {
    return not_ready(route_label(canary) + " is not applied yet: " + *why);
  }
  Routes routes;
  bool found_weights = false;
  const json& rules = field_or_null(*route, "/spec/rules");
  for (std::size_t i = 0; rules.is_array() && i < rules.size(); ++i) {
    const auto& rule = rules[i];
    std::optional<int> primary, canary_weight;
    for (const auto& ref : rule.value("backendRefs", json::array())) {
      int weight = ref.value("weight", 1);  // the Gateway API default
      if (ref.value("name", "") == canary.primary_name()) primary = weight;
      if (ref.value("name", "") == canary.canary_name()) canary_weight = weight;
    }
    // The weighted rule is the last one naming both backends (the sticky rule comes first).
    if (primary && canary_weight) {
      routes.primary_weight = *primary;
      routes.canary_weight = *canary_weight;
      found_weights = true;
    }
    for (const auto& filter : rule.value("filters", json::array())) {
      if (filter.value("type", "") == "RequestMirror" &&
          filter.value("/requestMirror/backendRef/name"_json_pointer, "") == canary.canary_name()) {
        routes.mirror = true;
        if (filter.contains("/requestMirror/percent"_json_pointer)) {
          routes.mirror_percentage = filter.value("/requestMirror/percent"_json_pointer, 100);
        }
      }
    }
  }
  if (!found_weights) {
    return invalid(route_label(canary) + " has no rule with backends " + canary.primary_name() +
                   " and " + canary.canary_name());
  }
  return routes;
}

Expected<std::vector<Write>> GatewayApiRouter::finalize(const CanaryRouting& canary,
                                                        const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
