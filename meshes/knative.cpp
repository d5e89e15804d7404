#include "meshes/knative.hpp"

#include "meshes/apex_object.hpp"
#include "meshes/unsupported.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kKnativeApiVersion = "serving.knative.dev/v1";
constexpr const char* kPrimaryRevision = "veer.dev/primary-revision";
constexpr const char* kFlaggerPrimaryRevision = "flagger.app/primary-revision";

std::string where_knative(const CanaryRouting& canary) {
  return "Knative Service " + canary.target_name + "." + canary.namespace_;
}

std::string annotation(const json& object, const char* key) {
  return object.value(json::json_pointer(json_pointer({"metadata", "annotations", key})),
                      std::string());
}

// The primary revision: veer's annotation, Flagger's, or else the latest ready revision.
std::string primary_revision(const json& service) {
  for (const char* key : {kPrimaryRevision, kFlaggerPrimaryRevision}) {
    auto name = annotation(service, key);
    if (!name.empty()) return name;
  }
  return service.value("/status/latestReadyRevisionName"_json_pointer, std::string());
}

}  // namespace

std::vector<ObjectRef> KnativeRouter::objects(const CanaryRouting& canary) const {
  return {{kKnativeApiVersion, "Service", canary.target_name}};
}

Expected<std::vector<Write>> KnativeRouter::apply(const CanaryRouting& canary, const Routes& routes,
                                                  const Observed& observed) const {
  if (auto error = check_routes(routes)) return *error;
  if (auto refused = refuse_unsupported(where_knative(canary), provider(), canary, routes, {})) {
    return *refused;
  }
  const json* service = observed.find(objects(canary).front());
  if (service == nullptr) return not_found(where_knative(canary) + " (spec.targetRef) not found");
  const auto primary =
      canary.primary_revision.empty() ? primary_revision(*service) : canary.primary_revision;
  if (primary.empty()) {
    return not_ready(where_knative(canary) +
                     " has no ready revision yet (status.latestReadyRevisionName is empty)");
  }
  json fresh = *service;
  fresh["metadata"]["annotations"][kPrimaryRevision] = primary;
  fresh["spec"]["traffic"] = {
      {{"latestRevision", true}, {"percent", routes.canary_weight}},
      {{"revisionName", primary}, {"latestRevision", false}, {"percent", routes.primary_weight}}};
  return std::vector<Write>{
      upsert(fresh, {"/spec/traffic", json_pointer({"metadata", "annotations", kPrimaryRevision})},
             service)};
}

Expected<Routes> KnativeRouter::read(const CanaryRouting& canary, const Observed& observed) const {
  const json* service = observed.find(objects(canary).front());
  if (service == nullptr) return not_found(where_knative(canary) + " not found");
  const auto generation = service->value("/metadata/generation"_json_pointer, 0);
  const auto observed_generation =
      service->value("/status/observedGeneration"_json_pointer, generation);
  if (observed_generation < generation) {
    return not_ready(where_knative(canary) + ": Knative has not reconciled generation " +
                     std::to_string(generation) + " yet (status.observedGeneration " +
                     std::to_string(observed_generation) + ")");
  }
  const auto primary = annotation(*service, kPrimaryRevision);
  std::optional<int> primary_weight, canary_weight;
  const json& traffic = field_or_null(*service, "/spec/traffic");
  for (std::size_t i = 0; traffic.is_array() && i < traffic.size(); ++i) {
    const json& target = traffic[i];
    auto percent = read_weight(target.value("percent", json()));
    if (target.value("latestRevision", false)) {
      canary_weight = percent;
    } else if (!primary.empty() && target.value("revisionName", "") == primary) {
      primary_weight = percent;
    }
  }
  if (!primary_weight || !canary_weight) {
    return invalid(where_knative(canary) +
                   ": spec.traffic has no integer percents for the latest " +
                   "revision and the primary revision (annotation " + kPrimaryRevision + ": '" +
                   primary + "')");
  }
  return weighted(*primary_weight, *canary_weight);
}

Expected<std::vector<Write>> KnativeRouter::finalize(const CanaryRouting& canary,
                                                     const Observed& observed) const {
  // The traffic split stays as it is (as in Flagger); only veer's annotation goes.
  const json* service = observed.find(objects(canary).front());
  if (service == nullptr || annotation(*service, kPrimaryRevision).empty()) {
    return std::vector<Write>{};
  }
  json cleaned = *service;
  cleaned["metadata"]["annotations"].erase(kPrimaryRevision);
  cleaned["metadata"]["annotations"].erase(std::string(kAppliedAnnotation));
  if (cleaned["metadata"]["annotations"].empty()) cleaned["metadata"].erase("annotations");
  return std::vector<Write>{Write{Write::Action::update, cleaned, {}}};
}

}  // namespace veer::meshes
