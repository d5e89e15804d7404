#include "meshes/services.hpp"

namespace veer::meshes {

using nlohmann::json;

const CustomMetadata& gitops_annotations() {
  static const CustomMetadata annotations{
      {},
      {{"kustomize.toolkit.fluxcd.io/reconcile", "disabled"},
       {"helm.toolkit.fluxcd.io/driftDetection", "disabled"},
       {"argocd.argoproj.io/compare-options", "IgnoreExtraneous"},
       {"argocd.argoproj.io/sync-options", "Prune=false"}}};
  return annotations;
}

std::vector<ObjectRef> service_objects(const CanaryRouting& canary) {
  return {{"v1", "Service", canary.apex_name()},
          {"v1", "Service", canary.primary_name()},
          {"v1", "Service", canary.canary_name()}};
}

namespace {

// The port the API server assigned on a NodePort or LoadBalancer Service, for the same port.
std::optional<json> assigned_node_port(const json* observed, int port,
                                       const std::string& protocol = "TCP") {
  if (observed == nullptr) return std::nullopt;
  for (const auto& p : field_or_null(*observed, "/spec/ports")) {
    if (p.value("port", 0) == port && p.value("protocol", "TCP") == protocol &&
        p.contains("nodePort"))
      return p["nodePort"];
  }
  return std::nullopt;
}

json service_ports(const CanaryRouting& canary, const json* observed) {
  json port = {
      {"name", canary.port_name.empty() ? "http" : canary.port_name},
      {"port", canary.port},
      {"protocol", "TCP"},
      {"targetPort", canary.target_port.is_null() ? json(canary.port) : canary.target_port}};
  if (!canary.app_protocol.empty()) port["appProtocol"] = canary.app_protocol;
  // Kept, or every reconcile would drop it and the server would assign it again (a rewrite
  // loop, and clients of the node port cut off).
  if (auto node_port = assigned_node_port(observed, canary.port)) port["nodePort"] = *node_port;
  json ports = json::array({port});
  for (const auto& extra : canary.discovered_ports) {
    json p = {{"name", extra.name},
              {"port", extra.port},
              {"protocol", extra.protocol},
              {"targetPort", extra.port}};
    if (auto node_port = assigned_node_port(observed, extra.port, extra.protocol))
      p["nodePort"] = *node_port;
    ports.push_back(std::move(p));
  }
  return ports;
}

json service(const CanaryRouting& canary, const std::string& name, const std::string& selects,
             const CustomMetadata& metadata, const json* observed) {
  json spec = {{"type", "ClusterIP"},
               {"selector", {{canary.selector_label, selects}}},
               {"ports", service_ports(canary, observed)}};
  // clusterIP is immutable: a headless Service is made so when created, never switched.
  if (canary.headless) spec["clusterIP"] = "None";
  if (!canary.traffic_distribution.empty())
    spec["trafficDistribution"] = canary.traffic_distribution;
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", new_metadata(canary, name, metadata)},
          {"spec", spec}};
}

CustomMetadata service_metadata(const CanaryRouting& canary, const std::string& name,
                                const std::optional<CustomMetadata>& custom) {
  CustomMetadata metadata = custom.value_or(CustomMetadata{});
  metadata.labels[canary.selector_label] = name;
  for (const auto& [key, value] : gitops_annotations().annotations) {
    metadata.annotations.emplace(key, value);
  }
  return metadata;
}

std::optional<RouterError> check_service_spec(const CanaryRouting& canary) {
  if (canary.apex_name().empty()) {
    return invalid("Canary " + canary.name + ": spec.targetRef.name is empty");
  }
  if (canary.port < 1 || canary.port > 65535) {
    return invalid("Canary " + canary.name + ": spec.service.port must be in 1..65535, got " +
                   std::to_string(canary.port));
  }
  const auto& target = canary.target_port;
  if (!(target.is_null() || target.is_number_integer() ||
        (target.is_string() && !target.get<std::string>().empty()))) {
    return invalid("Canary " + canary.name +
                   ": spec.service.targetPort must be a port number or a port name");
  }
  return std::nullopt;
}

}  // namespace

Expected<std::vector<Write>> apply_services(const CanaryRouting& canary, const Observed& observed) {
  if (auto error = check_service_spec(canary)) return *error;
  const std::string primary_pods = canary.pod_label_value() + "-primary";
  struct Wanted {
    std::string name;
    std::string selects;
    const std::optional<CustomMetadata>& custom;
  };
  const Wanted wanted[] = {
      {canary.apex_name(), primary_pods, canary.apex_metadata},
      {canary.primary_name(), primary_pods, canary.primary_metadata},
      {canary.canary_name(), canary.pod_label_value(), canary.canary_metadata}};
  std::vector<Write> writes;
  for (const auto& w : wanted) {
    auto metadata = service_metadata(canary, w.name, w.custom);
    const json* found = observed.find({"v1", "Service", w.name});
    json fresh = service(canary, w.name, w.selects, metadata, found);
    std::vector<std::string> owned = {"/spec/type", "/spec/selector", "/spec/ports",
                                      "/spec/trafficDistribution"};
    UpsertOptions options;
    if (found && !is_controlled_by(*found, canary)) {
      // The user's own Service: route it, remember how it was, leave its metadata alone.
      owned = {"/spec/selector", "/spec/ports"};
      options.remember_original_spec = true;
    } else {
      for (auto& field : metadata_fields(canary, metadata)) owned.push_back(std::move(field));
    }
    writes.push_back(upsert(fresh, owned, found, options));
  }
  return writes;
}

Expected<std::vector<Write>> finalize_services(const CanaryRouting& canary,
                                               const Observed& observed) {
  std::vector<Write> writes;
  const json* apex = observed.find({"v1", "Service", canary.apex_name()});
  if (apex == nullptr) return writes;
  if (!is_controlled_by(*apex, canary)) return restore_original_spec(apex);
  json fresh = *apex;
  fresh["spec"]["selector"] = {{canary.selector_label, canary.pod_label_value()}};
  fresh["metadata"].erase("ownerReferences");
  // The Service outlives the Canary as the user's: veer's drift stamp goes with the owner.
  const auto stamp = json_pointer({"metadata", "annotations", kAppliedAnnotation});
  if (fresh["metadata"].contains("annotations"))
    fresh["metadata"]["annotations"].erase(std::string(kAppliedAnnotation));
  writes.push_back(upsert(fresh, {"/spec/selector", "/metadata/ownerReferences", stamp}, apex));
  return writes;
}

}  // namespace veer::meshes
