#include "meshes/nginx.hpp"

#include <charconv>

#include "meshes/string_match.hpp"
#include "meshes/user_copy.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kIngressApiVersion = "networking.k8s.io/v1";
constexpr const char* kCanaryAnnotations[] = {"canary",
                                              "canary-weight",
                                              "canary-by-header",
                                              "canary-by-header-value",
                                              "canary-by-header-pattern",
                                              "canary-by-cookie"};

std::string canary_ingress_name(const CanaryRouting& canary) {
  return canary.ingress_name + "-canary";
}

// Points every backend that names `from` at `to`; returns how many it changed.
int retarget_backends(json& spec, const std::string& from, const std::string& to) {
  int changed = 0;
  auto retarget = [&](json& backend) {
    if (backend.is_object() && backend.value("/service/name"_json_pointer, "") == from) {
      backend["service"]["name"] = to;
      ++changed;
    }
  };
  if (spec.contains("defaultBackend")) retarget(spec["defaultBackend"]);
  if (spec.contains("rules") && spec["rules"].is_array()) {
    for (auto& rule : spec["rules"]) {
      if (!rule.contains("/http/paths"_json_pointer)) continue;
      for (auto& path : rule["http"]["paths"]) {
        if (path.contains("backend")) retarget(path["backend"]);
      }
    }
  }
  return changed;
}

// spec.analysis.match (or an Experiment's spec.strategy.match) as NGINX's canary-by annotations
// (names without the prefix). NGINX routes by one header (an exact value or a pattern) and one
// cookie (by name, whose value `always` selects the canary); any other condition is an error, never
// dropped: a dropped condition would send more requests to the canary than asked.
Expected<json> match_annotations(const json& matches, const std::string& match_field,
                                 const std::string& where) {
  json out = json::object();
  auto set = [&](const std::string& key, const json& value, const std::string& field) {
    if (out.contains(key) && out[key] != value) {
      return std::optional<RouterError>(
          invalid(where + ": provider nginx routes by one header and one cookie only, but " +
                  field + " asks for " + key + " " + value.dump() + " besides " + out[key].dump()));
    }
    out[key] = value;
    return std::optional<RouterError>();
  };
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const std::string at = match_field + "[" + std::to_string(i) + "]";
    for (const auto& [key, value] : matches[i].items()) {
      if (key == "name") continue;  // only labels Istio's logs
      if (key != "headers" || !value.is_object()) {
        return invalid(where + ": " + at + "." + key +
                       " cannot be routed by provider nginx (headers and a cookie only)");
      }
    }
    const json headers = matches[i].value("headers", json::object());
    for (const auto& [header, condition] : headers.items()) {
      const std::string field = at + ".headers." + header;
      std::optional<RouterError> error;
      if (header == "cookie") {
        if (!condition.contains("exact") || !condition["exact"].is_string() ||
            condition["exact"].get<std::string>().empty()) {
          return invalid(where + ": " + field +
                         " needs exact: <cookie name> for provider nginx (NGINX sends requests "
                         "whose cookie of that name is \"always\" to the canary)");
        }
        error = set("canary-by-cookie", condition["exact"], field);
      } else if (condition.contains("exact")) {
        error = set("canary-by-header", header, field);
        if (!error) error = set("canary-by-header-value", condition["exact"], field);
      } else if (auto pattern = pattern_of(condition)) {
        error = set("canary-by-header", header, field);
        if (!error) error = set("canary-by-header-pattern", *pattern, field);
      } else {
        return invalid(where + ": " + field +
                       " needs exact, regex, prefix or suffix for provider nginx");
      }
      if (error) return *error;
    }
  }
  return out;
}

}  // namespace

std::vector<ObjectRef> NginxRouter::objects(const CanaryRouting& canary) const {
  return {{kIngressApiVersion, "Ingress", canary.ingress_name},
          {kIngressApiVersion, "Ingress", canary_ingress_name(canary)}};
}

Expected<std::vector<Write>> NginxRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (canary.ingress_name.empty()) {
    return invalid("Canary " + canary.name +
                   ": spec.ingressRef.name is required for provider nginx");
  }
  const std::string where = "Ingress " + canary.ingress_name + "." + canary.namespace_;
  if (routes.mirror) return invalid(where + ": provider nginx cannot mirror traffic");
  if (canary.session_affinity) {
    return invalid(where +
                   ": provider nginx has no session affinity (spec.analysis.sessionAffinity)");
  }
  auto ingress = canary_ingress(canary, canary.canary_name(), routes.canary_weight,
                                canary.ab_testing() ? canary.analysis_match : json::array(),
                                "spec.analysis.match", observed);
  if (!ingress) return ingress.error();
  return std::vector<Write>{ingress.value()};
}

Expected<Write> NginxRouter::canary_ingress(const CanaryRouting& owner, const std::string& backend,
                                            int weight, const json& match,
                                            const std::string& match_field,
                                            const Observed& observed) const {
  const std::string where = "Ingress " + owner.ingress_name + "." + owner.namespace_;
  const json* user_ingress = observed.find({kIngressApiVersion, "Ingress", owner.ingress_name});
  if (user_ingress == nullptr) return not_found(where + " (spec.ingressRef) not found");

  json spec = user_ingress->value("spec", json::object());
  if (retarget_backends(spec, owner.apex_name(), backend) == 0) {
    return invalid(where + ": no backend points at the apex Service " + owner.apex_name() +
                   "; set spec.rules[].http.paths[].backend.service.name to " + owner.apex_name());
  }

  json annotations = copied_annotations(*user_ingress, prefix_ + "/canary");
  annotations[annotation("canary")] = "true";
  annotations[annotation("canary-weight")] = std::to_string(weight);
  if (match.is_array() && !match.empty() && weight > 0) {
    annotations[annotation("canary-weight")] = "0";
    auto by = match_annotations(match, match_field, where);
    if (!by) return by.error();
    for (const auto& [key, value] : by->items()) annotations[annotation(key.c_str())] = value;
  }

  // Canary annotations set before (A/B headers) are owned too, so that they go when unused.
  std::vector<std::string> canary_annotations;
  for (const char* name : kCanaryAnnotations) {
    canary_annotations.push_back(json_pointer({"metadata", "annotations", annotation(name)}));
  }
  const json* found = observed.find({kIngressApiVersion, "Ingress", canary_ingress_name(owner)});
  return upsert_copy(owner, *user_ingress, canary_ingress_name(owner), spec, annotations,
                     canary_annotations, found);
}

Expected<Routes> NginxRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  auto share = canary_share(canary, observed);
  if (!share) return share.error();
  Routes routes;
  routes.canary_weight = share.value();
  routes.primary_weight = 100 - share.value();
  return routes;
}

Expected<int> NginxRouter::canary_share(const CanaryRouting& owner,
                                        const Observed& observed) const {
  const std::string name = canary_ingress_name(owner);
  const std::string where = "Ingress " + name + "." + owner.namespace_;
  const json* ingress = observed.find({kIngressApiVersion, "Ingress", name});
  if (ingress == nullptr) return not_found(where + " not found");
  const json& annotations = field_or_null(*ingress, "/metadata/annotations");
  auto get = [&](const char* key) -> std::string {
    return annotations.is_object() ? annotations.value(annotation(key), std::string()) : "";
  };
  if (!get("canary-by-header").empty() || !get("canary-by-cookie").empty()) return 100;
  const std::string weight = get("canary-weight");
  int value = -1;
  auto [end, error] = std::from_chars(weight.data(), weight.data() + weight.size(), value);
  if (weight.empty() || error != std::errc() || end != weight.data() + weight.size() || value < 0 ||
      value > 100) {
    return invalid(where + ": annotation " + annotation("canary-weight") +
                   " must be an integer in 0..100, got \"" + weight + "\"");
  }
  return value;
}

Expected<std::vector<Write>> NginxRouter::finalize(const CanaryRouting& canary,
                                                   const Observed& observed) const {
  return remove_copy(observed.find({kIngressApiVersion, "Ingress", canary_ingress_name(canary)}),
                     canary);
}

}  // namespace veer::meshes
