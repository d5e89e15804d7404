#include "meshes/from_canary.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

std::optional<CustomMetadata> metadata_of(const std::optional<model::CustomMetadata>& m) {
  if (!m) return std::nullopt;
  return CustomMetadata{m->labels, m->annotations};
}

json gateway_refs_of(const std::vector<model::GatewayRef>& refs) {
  json out = json::array();
  for (const auto& ref : refs) {
    // The model fills a missing group with the default; an explicit "" is the core group
    // (GAMMA: a Service parent) and must be written as "".
    json r = {{"name", ref.name}, {"group", ref.group}};
    if (!ref.kind.empty()) r["kind"] = ref.kind;
    if (!ref.namespace_.empty()) r["namespace"] = ref.namespace_;
    if (!ref.section_name.empty()) r["sectionName"] = ref.section_name;
    if (ref.port) r["port"] = *ref.port;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

CanaryRouting routing_of(const model::Canary& canary, const std::string& selector_label,
                         const std::string& selector_value) {
  const auto& spec = canary.spec;
  const auto& service = spec.service;
  CanaryRouting r;
  r.api_version = canary.api_version;
  r.kind = canary.kind;
  r.name = canary.metadata.name;
  r.namespace_ = canary.metadata.namespace_;
  r.uid = canary.metadata.uid;
  r.target_name = spec.target_ref.name;
  r.selector_label = selector_label;
  r.selector_value = selector_value;
  r.service_name = service.name;
  r.port = service.port;
  r.port_name = service.port_name.empty() ? "http" : service.port_name;
  if (!service.target_port.empty()) {
    r.target_port = service.target_port.is_int ? json(service.target_port.int_value)
                                               : json(service.target_port.string_value);
  }
  r.app_protocol = service.app_protocol;
  r.hosts = service.hosts;
  r.gateways = service.gateways;
  r.delegation = service.delegation;
  r.port_discovery = service.port_discovery;
  r.headless = service.headless;
  r.traffic_distribution = service.traffic_distribution;
  r.timeout = service.timeout;
  r.backend_timeout = service.backend_timeout;
  r.match = service.match;
  if (service.rewrite) {
    json rewrite = json::object();
    if (!service.rewrite->uri.empty()) rewrite["uri"] = service.rewrite->uri;
    if (!service.rewrite->authority.empty()) rewrite["authority"] = service.rewrite->authority;
    if (!service.rewrite->type.empty()) rewrite["type"] = service.rewrite->type;
    r.rewrite = rewrite;
  }
  r.retries = service.retries;
  r.cors_policy = service.cors_policy;
  r.headers = service.headers;
  r.traffic_policy = service.traffic_policy;
  r.gateway_refs = gateway_refs_of(service.gateway_refs);
  r.mirror_filters = service.mirror;
  r.apex_metadata = metadata_of(service.apex);
  r.primary_metadata = metadata_of(service.primary);
  r.canary_metadata = metadata_of(service.canary);
  if (const auto& unmanaged = service.unmanaged_metadata) {
    r.unmanaged_labels = {unmanaged->labels.begin(), unmanaged->labels.end()};
    r.unmanaged_annotations = {unmanaged->annotations.begin(), unmanaged->annotations.end()};
  }
  if (spec.ingress_ref) r.ingress_name = spec.ingress_ref->name;
  if (spec.route_ref) r.route_name = spec.route_ref->name;
  if (spec.upstream_ref) {
    r.upstream_ref_name = spec.upstream_ref->name;
    r.upstream_ref_namespace = spec.upstream_ref->namespace_;
  }
  if (auto mesh = canary.metadata.annotations.find("kuma.io/mesh");
      mesh != canary.metadata.annotations.end()) {
    r.mesh = mesh->second;
  }
  if (spec.analysis) {
    r.analysis_match = spec.analysis->match;
    r.iterations = spec.analysis->iterations;
    if (const auto& a = spec.analysis->session_affinity) {
      r.session_affinity =
          SessionAffinity{a->cookie_name, a->primary_cookie_name,
                          a->max_age,     static_cast<int>(spec.analysis->interval.count() / 1000),
                          a->domain,      a->path,
                          a->same_site,   a->http_only,
                          a->secure,      a->partitioned};
    }
  }
  return r;
}

Routes routes_of(const model::Canary& canary, int canary_weight, bool mirror) {
  Routes routes;
  routes.canary_weight = canary_weight;
  routes.primary_weight = 100 - canary_weight;
  routes.mirror = mirror;
  if (mirror && canary.spec.analysis && canary.spec.analysis->mirror_weight > 0) {
    routes.mirror_percentage = canary.spec.analysis->mirror_weight;
  }
  routes.session_cookie = canary.status.session_affinity_cookie;
  routes.previous_session_cookie = canary.status.previous_session_affinity_cookie;
  return routes;
}

}  // namespace veer::meshes
