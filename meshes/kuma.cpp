#include "meshes/kuma.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kKumaApiVersion = "kuma.io/v1alpha1";
constexpr const char* kServiceTag = "kuma.io/service";
constexpr const char* kCanaryAnnotation = "veer.dev/canary";

std::string where_kuma(const CanaryRouting& canary) {
  return "TrafficRoute " + canary.apex_name() + " (cluster-scoped)";
}

// Kuma names a Kubernetes Service's traffic "<name>_<namespace>_svc_<port>".
std::string kuma_service(const CanaryRouting& canary, const std::string& name) {
  return name + "_" + canary.namespace_ + "_svc_" + std::to_string(canary.port);
}

std::string canary_key(const CanaryRouting& canary) {
  return canary.namespace_ + "/" + canary.name;
}

bool made_for(const json& route, const CanaryRouting& canary) {
  return route.value(
             json::json_pointer(json_pointer({"metadata", "annotations", kCanaryAnnotation})),
             std::string()) == canary_key(canary);
}

}  // namespace

std::vector<ObjectRef> KumaRouter::objects(const CanaryRouting& canary) const {
  return {{kKumaApiVersion, "TrafficRoute", canary.apex_name()}};
}

Expected<std::vector<Write>> KumaRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                               const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where_kuma(canary), provider(), canary, routes, {})) {
    return *refused;
  }
  const ObjectRef ref = objects(canary).front();
  const json* found = observed.find(ref);
  const auto marker =
      json::json_pointer(json_pointer({"metadata", "annotations", kCanaryAnnotation}));
  // An unmarked route of this name is adopted (Flagger writes none); another Canary's is not.
  if (found != nullptr && found->contains(marker) && !made_for(*found, canary)) {
    return invalid(
        where_kuma(canary) + " belongs to Canary " + found->value(marker, std::string()) +
        " (annotation " + kCanaryAnnotation +
        "); TrafficRoutes are cluster-scoped: give this Canary another spec.service.name");
  }
  json split = json::array();
  split.push_back({{"weight", routes.primary_weight},
                   {"destination", {{kServiceTag, kuma_service(canary, canary.primary_name())}}}});
  split.push_back({{"weight", routes.canary_weight},
                   {"destination", {{kServiceTag, kuma_service(canary, canary.canary_name())}}}});
  CustomMetadata metadata = canary.apex_metadata.value_or(CustomMetadata{});
  metadata.annotations[kCanaryAnnotation] = canary_key(canary);
  json meta = {{"name", ref.name}, {"annotations", metadata.annotations}};
  if (!metadata.labels.empty()) meta["labels"] = metadata.labels;
  // Cluster-scoped: no namespace, and no owner reference to a namespaced Canary.
  json fresh = {
      {"apiVersion", ref.api_version},
      {"kind", ref.kind},
      {"metadata", meta},
      {"mesh", canary.mesh.empty() ? "default" : canary.mesh},
      {"spec",
       {{"sources", {{{"match", {{kServiceTag, "*"}}}}}},
        {"destinations", {{{"match", {{kServiceTag, kuma_service(canary, canary.apex_name())}}}}}},
        {"conf", {{"split", split}}}}}};
  std::vector<std::string> owned = {"/spec"};
  for (auto& field : metadata_fields(canary, metadata)) owned.push_back(std::move(field));
  return std::vector<Write>{upsert(fresh, owned, found)};
}

Expected<Routes> KumaRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* route = observed.find(objects(canary).front());
  if (route == nullptr) return not_found(where_kuma(canary) + " not found");
  std::optional<int> primary, canary_weight;
  const json& split = field_or_null(*route, "/spec/conf/split");
  for (std::size_t i = 0; split.is_array() && i < split.size(); ++i) {
    const auto service = split[i].value(
        json::json_pointer(json_pointer({"destination", kServiceTag})), std::string());
    auto weight = read_weight(split[i].value("weight", json()));
    if (service == kuma_service(canary, canary.primary_name())) primary = weight;
    if (service == kuma_service(canary, canary.canary_name())) canary_weight = weight;
  }
  if (!primary || !canary_weight) {
    return invalid(where_kuma(canary) + ": spec.conf.split has no integer weights for " +
                   kuma_service(canary, canary.primary_name()) + " and " +
                   kuma_service(canary, canary.canary_name()));
  }
  return weighted(*primary, *canary_weight);
}

Expected<std::vector<Write>> KumaRouter::finalize(const CanaryRouting& canary,
                                                  const Observed& observed) const {
  std::vector<Write> writes;
  const json* route = observed.find(objects(canary).front());
  if (route != nullptr && made_for(*route, canary)) {
    writes.push_back({Write::Action::remove, *route, {}});
  }
  return writes;
}

}  // namespace veer::meshes
