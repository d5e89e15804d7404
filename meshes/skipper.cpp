#include "meshes/skipper.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"
#include "meshes/user_copy.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kApiVersion = "networking.k8s.io/v1";
constexpr const char* kBackendWeights = "zalando.org/backend-weights";
constexpr const char* kPredicate = "zalando.org/skipper-predicate";
constexpr const char* kPreferred = "Weight(100)";
constexpr const char* kDisabled = "False()";

std::string canary_ingress_name(const CanaryRouting& canary) {
  return canary.ingress_name + "-canary";
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// `first && <the user's predicates>`, without veer's own predicates from an earlier render.
std::string with_predicate(const std::string& user_predicates, const std::string& first) {
  std::string out = first;
  std::size_t start = 0;
  while (start <= user_predicates.size()) {
    auto end = user_predicates.find("&&", start);
    if (end == std::string::npos) end = user_predicates.size();
    const auto predicate = trim(user_predicates.substr(start, end - start));
    if (!predicate.empty() && predicate != kPreferred && predicate != kDisabled) {
      out += " && " + predicate;
    }
    start = end + 2;
  }
  return out;
}

// Sends each path to the apex to the primary and adds the same path to the canary; returns how
// many paths it split.
int split_paths(json& spec, const CanaryRouting& canary) {
  int split = 0;
  if (!spec.contains("rules") || !spec["rules"].is_array()) return 0;
  for (auto& rule : spec["rules"]) {
    if (!rule.contains("/http/paths"_json_pointer) || !rule["http"]["paths"].is_array()) continue;
    json paths = json::array();
    for (const auto& path : rule["http"]["paths"]) {
      if (path.value("/backend/service/name"_json_pointer, "") != canary.apex_name()) {
        paths.push_back(path);
        continue;
      }
      json to_primary = path;
      to_primary["backend"]["service"]["name"] = canary.primary_name();
      json to_canary = path;
      to_canary["backend"]["service"]["name"] = canary.canary_name();
      paths.push_back(to_primary);
      paths.push_back(to_canary);
      ++split;
    }
    rule["http"]["paths"] = paths;
  }
  return split;
}

}  // namespace

std::vector<ObjectRef> SkipperRouter::objects(const CanaryRouting& canary) const {
  return {{kApiVersion, "Ingress", canary.ingress_name},
          {kApiVersion, "Ingress", canary_ingress_name(canary)}};
}

Expected<std::vector<Write>> SkipperRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                  const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (canary.ingress_name.empty()) {
    return invalid("Canary " + canary.name +
                   ": spec.ingressRef.name is required for provider skipper");
  }
  const std::string where = "Ingress " + canary.ingress_name + "." + canary.namespace_;
  if (auto refused = refuse_unsupported(where, provider(), canary, routes, {})) return *refused;
  const json* user_ingress = observed.find({kApiVersion, "Ingress", canary.ingress_name});
  if (user_ingress == nullptr) return not_found(where + " (spec.ingressRef) not found");

  json spec = user_ingress->value("spec", json::object());
  if (split_paths(spec, canary) == 0) {
    return invalid(where + ": no path sends traffic to the apex Service " + canary.apex_name() +
                   "; set spec.rules[].http.paths[].backend.service.name to " + canary.apex_name());
  }
  json annotations = copied_annotations(*user_ingress);
  const json weights = {{canary.primary_name(), routes.primary_weight},
                        {canary.canary_name(), routes.canary_weight}};
  annotations[kBackendWeights] = weights.dump();
  annotations[kPredicate] = with_predicate(annotations.value(kPredicate, std::string()),
                                           routes.canary_weight > 0 ? kPreferred : kDisabled);

  const json* found = observed.find({kApiVersion, "Ingress", canary_ingress_name(canary)});
  return std::vector<Write>{upsert_copy(canary, *user_ingress, canary_ingress_name(canary), spec,
                                        annotations, {}, found)};
}

Expected<Routes> SkipperRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const std::string name = canary_ingress_name(canary);
  const std::string where = "Ingress " + name + "." + canary.namespace_;
  const json* ingress = observed.find({kApiVersion, "Ingress", name});
  if (ingress == nullptr) return not_found(where + " not found");
  const auto text =
      ingress->value(json::json_pointer(json_pointer({"metadata", "annotations", kBackendWeights})),
                     std::string());
  const json weights = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::optional<int> primary, canary_weight;
  if (weights.is_object()) {
    if (weights.contains(canary.primary_name()))
      primary = read_weight(weights[canary.primary_name()]);
    if (weights.contains(canary.canary_name()))
      canary_weight = read_weight(weights[canary.canary_name()]);
  }
  if (!primary || !canary_weight) {
    return invalid(where + ": annotation " + kBackendWeights + " must give integer weights to " +
                   canary.primary_name() + " and " + canary.canary_name() + ", got '" + text + "'");
  }
  return weighted(*primary, *canary_weight);
}

Expected<std::vector<Write>> SkipperRouter::finalize(const CanaryRouting& canary,
                                                     const Observed& observed) const {
  return remove_copy(observed.find({kApiVersion, "Ingress", canary_ingress_name(canary)}), canary);
}

}  // namespace veer::meshes
