#include "meshes/contour.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/string_match.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kContourApiVersion = "projectcontour.io/v1";

std::string where_contour(const CanaryRouting& canary) {
  return "HTTPProxy " + canary.apex_name() + "." + canary.namespace_;
}

// spec.service.match[0].uri.prefix, else "/".
std::string path_prefix(const CanaryRouting& canary) {
  if (canary.match.is_array() && !canary.match.empty()) {
    const auto prefix = canary.match[0].value("/uri/prefix"_json_pointer, std::string());
    if (!prefix.empty()) return prefix;
  }
  return "/";
}

// One Istio StringMatch on a header as a Contour header condition.
Expected<json> header_condition(const CanaryRouting& canary, const std::string& name,
                                const json& match) {
  json header = {{"name", name}};
  if (match.contains("exact")) {
    header["exact"] = match["exact"];
  } else if (auto pattern = pattern_of(match)) {
    header["regex"] = *pattern;
  } else {
    return invalid(where_contour(canary) + ": spec.analysis.match[].headers." + name +
                   " needs exact, regex, prefix or suffix for provider contour");
  }
  return json{{"header", header}};
}

// The routes' conditions: one route per analysis match (Contour ANDs the conditions of a route,
// the matches of spec.analysis.match are alternatives).
Expected<json> ab_conditions(const CanaryRouting& canary) {
  json out = json::array();
  for (const auto& match : canary.analysis_match) {
    json conditions = json::array({{{"prefix", path_prefix(canary)}}});
    for (const auto& [key, value] : match.items()) {
      if (key != "headers") {
        return invalid(where_contour(canary) + ": spec.analysis.match[]." + key +
                       " cannot be routed by provider contour (headers only)");
      }
      for (const auto& [name, string_match] : value.items()) {
        auto condition = header_condition(canary, name, string_match);
        if (!condition) return condition.error();
        conditions.push_back(condition.value());
      }
    }
    out.push_back(conditions);
  }
  return out;
}

json service(const CanaryRouting& canary, const std::string& name, int weight) {
  // Linkerd (when it meshes Contour) routes by this header; Flagger sets it too.
  const std::string authority =
      name + "." + canary.namespace_ + ".svc.cluster.local:" + std::to_string(canary.port);
  return {
      {"name", name},
      {"port", canary.port},
      {"weight", weight},
      {"requestHeadersPolicy", {{"set", {{{"name", "l5d-dst-override"}, {"value", authority}}}}}}};
}

// Contour's mirror is one more service with `mirror: true`; its optional weight (1..100) is the
// percentage of requests mirrored, none means all of them.
json mirror_service(const CanaryRouting& canary, const Routes& routes) {
  json mirror = service(canary, canary.canary_name(), 0);
  mirror.erase("weight");
  mirror["mirror"] = true;
  if (routes.mirror_percentage) mirror["weight"] = *routes.mirror_percentage;
  return mirror;
}

json route(const CanaryRouting& canary, json conditions, int primary_weight, int canary_weight,
           const json& mirror = nullptr) {
  json r = {{"conditions", std::move(conditions)},
            {"services",
             {service(canary, canary.primary_name(), primary_weight),
              service(canary, canary.canary_name(), canary_weight)}}};
  if (!mirror.is_null()) r["services"].push_back(mirror);
  if (!canary.timeout.empty()) r["timeoutPolicy"] = {{"response", canary.timeout}, {"idle", "5m"}};
  if (canary.retries.is_object() && !canary.retries.empty()) {
    json policy = {{"count", canary.retries.value("attempts", 1)}};
    if (canary.retries.contains("perTryTimeout")) {
      policy["perTryTimeout"] = canary.retries["perTryTimeout"];
    }
    const auto retry_on = canary.retries.value("retryOn", std::string());
    if (!retry_on.empty()) {
      json conditions_list = json::array();
      std::size_t start = 0;
      while (start <= retry_on.size()) {
        auto comma = retry_on.find(',', start);
        if (comma == std::string::npos) comma = retry_on.size();
        if (comma > start) conditions_list.push_back(retry_on.substr(start, comma - start));
        start = comma + 1;
      }
      policy["retryOn"] = conditions_list;
    }
    r["retryPolicy"] = policy;
  }
  return r;
}

}  // namespace

std::vector<ObjectRef> ContourRouter::objects(const CanaryRouting& canary) const {
  return {{kContourApiVersion, "HTTPProxy", canary.apex_name()}};
}

Expected<std::vector<Write>> ContourRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                  const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where_contour(canary), provider(), canary, routes,
                                        {.ab_testing = true, .mirroring = true})) {
    return *refused;
  }
  if (routes.mirror && routes.mirror_percentage == 0) {
    // Contour reads weight 0 on a mirror as "unset", which mirrors everything.
    return invalid(where_contour(canary) +
                   ": provider contour cannot mirror 0% of requests "
                   "(spec.analysis.mirrorWeight must be 1..100)");
  }
  const json mirror = routes.mirror ? mirror_service(canary, routes) : json();
  const json default_conditions = json::array({{{"prefix", path_prefix(canary)}}});
  json routes_json = json::array();
  if (canary.ab_testing()) {
    auto matches = ab_conditions(canary);
    if (!matches) return matches.error();
    for (const auto& conditions : matches.value()) {
      routes_json.push_back(
          route(canary, conditions, routes.primary_weight, routes.canary_weight, mirror));
    }
    routes_json.push_back(route(canary, default_conditions, 100, 0));
  } else {
    routes_json.push_back(
        route(canary, default_conditions, routes.primary_weight, routes.canary_weight, mirror));
  }
  return std::vector<Write>{upsert_apex_object(
      canary, objects(canary).front(), {{"routes", routes_json}}, {"/spec/routes"}, observed)};
}

Expected<Routes> ContourRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* proxy = observed.find(objects(canary).front());
  if (proxy == nullptr) return not_found(where_contour(canary) + " not found");
  // The first route that names both Services carries the split (in A/B, the matched one); a
  // mirror service on it carries the mirroring.
  const json& routes_json = field_or_null(*proxy, "/spec/routes");
  for (std::size_t i = 0; routes_json.is_array() && i < routes_json.size(); ++i) {
    std::optional<int> primary, canary_weight;
    std::optional<json> mirror;
    const json& services = field_or_null(routes_json[i], "/services");
    for (std::size_t j = 0; services.is_array() && j < services.size(); ++j) {
      const auto name = services[j].value("name", std::string());
      if (services[j].value("mirror", false)) {
        if (name == canary.canary_name()) mirror = services[j].value("weight", json());
        continue;
      }
      auto weight = read_weight(services[j].value("weight", json()));
      if (name == canary.primary_name()) primary = weight;
      if (name == canary.canary_name()) canary_weight = weight;
    }
    if (!primary || !canary_weight) continue;
    Routes found = weighted(*primary, *canary_weight);
    if (mirror) {
      found.mirror = true;
      if (mirror->is_number_integer()) found.mirror_percentage = mirror->get<int>();
    }
    return found;
  }
  return invalid(where_contour(canary) + " has no route with integer weights for services " +
                 canary.primary_name() + " and " + canary.canary_name());
}

Expected<std::vector<Write>> ContourRouter::finalize(const CanaryRouting& canary,
                                                     const Observed& observed) const {
  return restore_original_spec(observed.find(objects(canary).front()));
}

}  // namespace veer::meshes
