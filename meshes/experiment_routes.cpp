#include "meshes/experiment_routes.hpp"

#include <memory>

#include "meshes/from_canary.hpp"
#include "meshes/gateway_api.hpp"
#include "meshes/nginx.hpp"
#include "meshes/services.hpp"
#include "meshes/smi.hpp"
#include "model/mesh_providers.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

constexpr const char* kIstioApi = "networking.istio.io/v1beta1";

enum class Kind { Istio, GatewayApi, Smi, Nginx, Other };

struct Provider {
  Kind kind = Kind::Other;
  std::string api_version;  // of the router's object (istio, gatewayapi)
  // The Canary's router, whose objects two-version providers write (smi, nginx).
  std::shared_ptr<const Router> router;
  const SmiRouter* smi() const { return dynamic_cast<const SmiRouter*>(router.get()); }
  const NginxRouter* nginx() const { return dynamic_cast<const NginxRouter*>(router.get()); }
};

Provider provider_of(const std::string& provider, const ExperimentRouting& r) {
  if (provider.empty() || provider == "istio") return {Kind::Istio, kIstioApi, nullptr};
  if (provider == "gatewayapi" || provider == "gatewayapi:v1")
    return {Kind::GatewayApi, "gateway.networking.k8s.io/v1", nullptr};
  if (provider == "gatewayapi:v1beta1")
    return {Kind::GatewayApi, "gateway.networking.k8s.io/v1beta1", nullptr};
  auto made = make_router(provider, r.nginx_annotation_prefix);
  if (!made) return {};
  Provider p{Kind::Other, "", std::shared_ptr<const Router>(std::move(made).value())};
  if (p.smi()) p.kind = Kind::Smi;
  if (p.nginx()) p.kind = Kind::Nginx;
  return p;
}

bool two_versions_only(const Provider& p) {
  return p.kind == Kind::Smi || p.kind == Kind::Nginx;
}

int weight_of(const VersionWeights& weights, const std::string& version) {
  auto it = weights.find(version);
  return it == weights.end() ? 0 : it->second;
}

json service_port(const CanaryRouting& o) {
  json port = {{"name", o.port_name.empty() ? "http" : o.port_name},
               {"port", o.port},
               {"protocol", "TCP"},
               {"targetPort", o.target_port.is_null() ? json(o.port) : o.target_port}};
  if (!o.app_protocol.empty()) port["appProtocol"] = o.app_protocol;
  return port;
}

Write version_service(const ExperimentRouting& r, const ExperimentBackend& v,
                      const Observed& observed) {
  json fresh = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", new_metadata(r.owner, v.service, gitops_annotations())},
                {"spec",
                 {{"type", "ClusterIP"},
                  {"selector", v.selector},
                  {"ports", json::array({service_port(r.owner)})}}}};
  return upsert(fresh, {"/spec/selector", "/spec/ports"},
                observed.find({"v1", "Service", v.service}));
}

// The apex Service clients call: created when absent (selecting the baseline), else the user's.
Write apex_service(const ExperimentRouting& r, const Observed& observed) {
  const auto name = r.owner.apex_name();
  if (const auto* found = observed.find({"v1", "Service", name}))
    return {Write::Action::unchanged, *found, {}};
  json fresh = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", new_metadata(r.owner, name, gitops_annotations())},
                {"spec",
                 {{"type", "ClusterIP"},
                  {"selector", r.versions.front().selector},
                  {"ports", json::array({service_port(r.owner)})}}}};
  // Clients call it: it outlives the experiment.
  fresh["metadata"].erase("ownerReferences");
  return {Write::Action::create, fresh, {}};
}

json istio_destination(const ExperimentRouting& r, const ExperimentBackend& v, int weight) {
  json dest = {{"host", v.service}};
  if (!r.owner.gateways.empty() && r.owner.gateways.front() != "mesh")
    dest["port"] = {{"number", r.owner.port}};
  return {{"destination", dest}, {"weight", weight}};
}

json virtual_service(const ExperimentRouting& r, const VersionWeights& weights) {
  const auto& o = r.owner;
  json hosts = json::array({o.apex_name()});
  for (const auto& h : o.hosts)
    if (h != o.apex_name()) hosts.push_back(h);
  json split = json::array();
  for (const auto& v : r.versions)
    split.push_back(istio_destination(r, v, weight_of(weights, v.version)));
  json base = json::object();
  if (!o.timeout.empty()) base["timeout"] = o.timeout;
  if (non_empty(o.retries)) base["retries"] = o.retries;
  if (non_empty(o.headers)) base["headers"] = o.headers;
  json http = json::array();
  if (non_empty(r.match)) {
    json taking_part = base;
    taking_part["match"] = r.match;
    taking_part["route"] = split;
    json rest = base;
    rest["route"] = json::array({istio_destination(r, r.versions.front(), 100)});
    http = {taking_part, rest};
  } else {
    json all = base;
    all["route"] = split;
    http = {all};
  }
  json spec = {{"hosts", hosts}, {"http", http}};
  if (!o.gateways.empty()) spec["gateways"] = o.gateways;
  return {{"apiVersion", kIstioApi},
          {"kind", "VirtualService"},
          {"metadata", new_metadata(o, o.apex_name(), gitops_annotations())},
          {"spec", spec}};
}

// The HTTPRoute matches of the requests that take part and of the rest. They are the Canary's
// Gateway API router's own rendering of an A/B test (spec.strategy.match as its analysis match,
// ANDed with spec.service.match, a key an HTTPRoute cannot express refused), so Istio matches
// become HTTPRoute matches in one place.
struct GatewayMatches {
  json taking_part;
  json rest;
};

Expected<GatewayMatches> gateway_matches(const std::string& provider, const Provider& p,
                                         const ExperimentRouting& r) {
  CanaryRouting ab = r.owner;
  ab.analysis_match = r.match;
  ab.session_affinity.reset();
  const auto version = p.api_version.substr(p.api_version.rfind('/') + 1);
  auto rendered = GatewayApiRouter(provider, version).apply(ab, weighted(0, 100), Observed{});
  if (!rendered) {
    auto message = rendered.error().message;
    for (auto at = message.find("spec.analysis.match"); at != std::string::npos;
         at = message.find("spec.analysis.match", at))
      message.replace(at, std::string("spec.analysis").size(), "spec.strategy");
    return invalid(message);
  }
  const auto& rules = rendered.value().front().object["spec"]["rules"];
  return GatewayMatches{rules[0]["matches"], rules[rules.size() - 1]["matches"]};
}

json backend_ref(const ExperimentRouting& r, const ExperimentBackend& v, int weight) {
  return {{"group", ""},
          {"kind", "Service"},
          {"name", v.service},
          {"port", r.owner.port},
          {"weight", weight}};
}

json http_route(const ExperimentRouting& r, const Provider& p, const VersionWeights& weights,
                const GatewayMatches& matches) {
  const auto& o = r.owner;
  json backends = json::array();
  for (const auto& v : r.versions)
    backends.push_back(backend_ref(r, v, weight_of(weights, v.version)));
  json base = json::object();
  if (!o.backend_timeout.empty() || !o.timeout.empty()) {
    base["timeouts"] = json::object();
    if (!o.timeout.empty()) base["timeouts"]["request"] = o.timeout;
    if (!o.backend_timeout.empty()) base["timeouts"]["backendRequest"] = o.backend_timeout;
  }
  json taking_part = base;
  taking_part["matches"] = matches.taking_part;
  taking_part["backendRefs"] = backends;
  json rules = json::array({taking_part});
  if (non_empty(r.match)) {
    // The requests that do not match stay on the baseline.
    json rest = base;
    rest["matches"] = matches.rest;
    rest["backendRefs"] = json::array({backend_ref(r, r.versions.front(), 100)});
    rules.push_back(rest);
  }
  json spec = {{"parentRefs", o.gateway_refs}, {"rules", rules}};
  if (!o.hosts.empty()) spec["hostnames"] = o.hosts;
  return {{"apiVersion", p.api_version},
          {"kind", "HTTPRoute"},
          {"metadata", new_metadata(o, o.apex_name(), gitops_annotations())},
          {"spec", spec}};
}

ObjectRef router_object(const Provider& p, const ExperimentRouting& r) {
  return {p.api_version, p.kind == Kind::Istio ? "VirtualService" : "HTTPRoute",
          r.owner.apex_name()};
}

// The candidate's canary Ingress (nginx), its match checked against NGINX's annotations.
Expected<Write> nginx_ingress(const Provider& p, const ExperimentRouting& r, int weight,
                              const Observed& observed) {
  return p.nginx()->canary_ingress(r.owner, r.versions.back().service, weight, r.match,
                                   "spec.strategy.match", observed);
}

// True when a Service selecting by `selector` also selects the pods of a Deployment whose
// spec.selector.matchLabels is `pods` (they carry at least those labels).
bool selects_pods_of(const json& selector, const json& pods) {
  if (!selector.is_object() || selector.empty() || !pods.is_object()) return false;
  for (const auto& [key, value] : selector.items())
    if (!pods.contains(key) || pods[key] != value) return false;
  return true;
}

// Why SMI or NGINX cannot route these versions ("" when they can).
std::string two_version_problem(const std::string& provider, const Provider& p,
                                const ExperimentRouting& r) {
  if (r.versions.size() != 2)
    return "provider " + provider +
           " routes two versions only (the baseline and one candidate), got " +
           std::to_string(r.versions.size()) +
           " versions (spec.candidates): use istio or gatewayapi for more";
  if (p.kind == Kind::Smi) {
    if (non_empty(r.match))
      return "provider " + provider +
             " cannot route by request headers or cookies (spec.strategy.match)";
    return "";
  }
  if (r.owner.ingress_name.empty())
    return "provider nginx: spec.ingressRef.name is required (the Ingress that sends traffic to "
           "the apex Service " +
           r.owner.apex_name() + ")";
  if (!non_empty(r.match)) return "";
  // The match as NGINX's router reads it, on an Ingress of the right shape.
  json ingress = {{"apiVersion", "networking.k8s.io/v1"},
                  {"kind", "Ingress"},
                  {"metadata", {{"name", r.owner.ingress_name}}},
                  {"spec", {{"defaultBackend", {{"service", {{"name", r.owner.apex_name()}}}}}}}};
  auto rendered = nginx_ingress(p, r, 100, Observed{{ingress}});
  return rendered ? "" : rendered.error().message;
}

}  // namespace

std::string experiment_routing_problem(const std::string& provider, const ExperimentRouting& r) {
  const auto p = provider_of(provider, r);
  if (p.kind == Kind::Other) {
    const auto gap = model::experiment_provider_gap(provider);
    return gap.empty() ? "provider " + provider + " cannot route an Experiment" : gap;
  }
  if (two_versions_only(p))
    if (auto problem = two_version_problem(provider, p, r); !problem.empty()) return problem;
  if (p.kind == Kind::GatewayApi) {
    if (!r.owner.gateway_refs.is_array() || r.owner.gateway_refs.empty())
      return "provider " + provider +
             ": spec.service.gatewayRefs is required (the HTTPRoute's "
             "parents)";
    if (auto matches = gateway_matches(provider, p, r); !matches) return matches.error().message;
  }
  return experiment_services_problem(r);
}

std::string experiment_services_problem(const ExperimentRouting& r) {
  if (r.owner.port <= 0) return "spec.service.port is required to route the versions";
  for (const auto& v : r.versions) {
    if (!v.selector.is_object() || v.selector.empty())
      return "version " + v.version +
             ": its Deployment has no spec.selector.matchLabels to select its pods by";
  }
  return "";
}

Expected<std::vector<Write>> apply_experiment_services(const ExperimentRouting& r,
                                                       const Observed& observed) {
  if (auto problem = experiment_services_problem(r); !problem.empty()) return invalid(problem);
  std::vector<Write> writes;
  for (const auto& v : r.versions) writes.push_back(version_service(r, v, observed));
  return writes;
}

ExperimentRouting experiment_routing_of(const model::Experiment& e,
                                        const std::map<std::string, json>& selectors) {
  // spec.service reads as a Canary's does: the same routing facts.
  model::Canary as_canary;
  as_canary.metadata = e.metadata;
  as_canary.spec.service = e.spec.service;
  as_canary.spec.target_ref = e.spec.baseline.target_ref;
  ExperimentRouting r;
  r.owner = routing_of(as_canary, "app", "");
  r.owner.api_version = e.api_version;
  r.owner.kind = e.kind;
  for (const auto* v : e.spec.versions()) {
    auto it = selectors.find(v->name);
    r.versions.push_back({v->name, r.owner.apex_name() + "-" + v->name,
                          it == selectors.end() ? json::object() : it->second});
  }
  if (e.spec.strategy.match.is_array()) r.match = e.spec.strategy.match;
  if (e.spec.ingress_ref) r.owner.ingress_name = e.spec.ingress_ref->name;
  return r;
}

std::vector<ObjectRef> experiment_objects(const std::string& provider, const ExperimentRouting& r) {
  std::vector<ObjectRef> refs{{"v1", "Service", r.owner.apex_name()}};
  for (const auto& v : r.versions) refs.push_back({"v1", "Service", v.service});
  const auto p = provider_of(provider, r);
  if (two_versions_only(p)) {
    for (auto& ref : p.router->objects(r.owner)) refs.push_back(std::move(ref));
  } else if (p.kind != Kind::Other) {
    refs.push_back(router_object(p, r));
  }
  return refs;
}

Expected<std::vector<Write>> restore_experiment_routes(const std::string& provider,
                                                       const ExperimentRouting& r,
                                                       const Observed& observed) {
  const auto p = provider_of(provider, r);
  if (p.kind == Kind::Other) return std::vector<Write>{};
  // SMI: the saved spec, as the Canary's; NGINX: the -canary Ingress veer created goes.
  if (two_versions_only(p)) return p.router->finalize(r.owner, observed);
  return restore_original_spec(observed.find(router_object(p, r)));
}

Expected<std::vector<Write>> apply_experiment_routes(const std::string& provider,
                                                     const ExperimentRouting& r,
                                                     const VersionWeights& weights,
                                                     const Observed& observed) {
  if (auto problem = experiment_routing_problem(provider, r); !problem.empty())
    return invalid(problem);
  const auto p = provider_of(provider, r);
  std::vector<Write> writes{apex_service(r, observed)};
  for (const auto& v : r.versions) writes.push_back(version_service(r, v, observed));
  if (p.kind == Kind::Smi) {
    std::vector<SmiBackend> backends;
    for (const auto& v : r.versions) backends.push_back({v.service, weight_of(weights, v.version)});
    writes.push_back(p.smi()->split(r.owner, backends, observed));
    return writes;
  }
  if (p.kind == Kind::Nginx) {
    const int weight = weight_of(weights, r.versions.back().version);
    // The baseline's share goes through the user's Ingress to the apex Service.
    const auto& candidate = r.versions.back();
    if (const auto* apex = observed.find({"v1", "Service", r.owner.apex_name()});
        apex && selects_pods_of(field_or_null(*apex, "/spec/selector"), candidate.selector))
      return invalid("provider nginx: Service " + r.owner.apex_name() +
                     " selects the pods of version " + candidate.version +
                     " too, so the baseline's share would reach it: select the baseline's pods "
                     "only");
    if (non_empty(r.match) && weight != 0 && weight != 100)
      return invalid(
          "provider nginx sends every request spec.strategy.match matches to the "
          "candidate and cannot split them by percent: the candidate's weight must "
          "be 0 or 100, got " +
          std::to_string(weight));
    auto ingress = nginx_ingress(p, r, weight, observed);
    if (!ingress) return ingress.error();
    writes.push_back(ingress.value());
    return writes;
  }
  const auto ref = router_object(p, r);
  const auto* found = observed.find(ref);
  UpsertOptions keep_original;
  keep_original.remember_original_spec = found && !is_controlled_by(*found, r.owner);
  if (p.kind == Kind::Istio) {
    writes.push_back(upsert(virtual_service(r, weights),
                            {"/spec/hosts", "/spec/gateways", "/spec/http"}, found, keep_original));
  } else {
    auto matches = gateway_matches(provider, p, r);
    if (!matches) return matches.error();
    writes.push_back(upsert(http_route(r, p, weights, matches.value()),
                            {"/spec/parentRefs", "/spec/hostnames", "/spec/rules"}, found,
                            keep_original));
  }
  return writes;
}

std::string experiment_routes_pending(const std::string& provider, const ExperimentRouting& r,
                                      const Observed& observed) {
  const auto p = provider_of(provider, r);
  if (p.kind != Kind::GatewayApi) return "";
  // The Canary's Gateway API router reads the route's parents' Accepted conditions.
  const auto version = p.api_version.substr(p.api_version.rfind('/') + 1);
  auto read = GatewayApiRouter(provider, version).read(r.owner, observed);
  if (read || read.error().kind != RouterError::Kind::not_ready) return "";
  return read.error().message;
}

Expected<VersionWeights> read_experiment_routes(const std::string& provider,
                                                const ExperimentRouting& r,
                                                const Observed& observed) {
  if (auto problem = experiment_routing_problem(provider, r); !problem.empty())
    return invalid(problem);
  const auto p = provider_of(provider, r);
  std::map<std::string, std::string> version_of;
  for (const auto& v : r.versions) version_of[v.service] = v.version;
  if (p.kind == Kind::Nginx) {
    auto share = p.nginx()->canary_share(r.owner, observed);
    if (!share) return share.error();
    return VersionWeights{{r.versions.front().version, 100 - share.value()},
                          {r.versions.back().version, share.value()}};
  }
  if (p.kind == Kind::Smi) {
    auto listed = p.smi()->backend_weights(r.owner, observed);
    if (!listed) return listed.error();
    VersionWeights out;
    for (const auto& v : r.versions) out[v.version] = 0;
    for (const auto& [service, weight] : listed.value()) {
      auto it = version_of.find(service);
      if (it == version_of.end())
        return invalid("TrafficSplit " + r.owner.apex_name() + " routes to " + service +
                       ", which is no version of this experiment");
      if (!weight)
        return invalid("TrafficSplit " + r.owner.apex_name() + ": backend " + service +
                       " has no integer weight");
      out[it->second] = *weight;
    }
    return out;
  }
  const auto ref = router_object(p, r);
  const auto* found = observed.find(ref);
  if (!found) return not_found(ref.kind + " " + ref.name + " does not exist");
  const json& entries = p.kind == Kind::Istio ? field_or_null(*found, "/spec/http/0/route")
                                              : field_or_null(*found, "/spec/rules/0/backendRefs");
  VersionWeights out;
  for (const auto& v : r.versions) out[v.version] = 0;
  for (const auto& entry : entries.is_array() ? entries : json::array()) {
    const auto service = p.kind == Kind::Istio
                             ? entry.value("/destination/host"_json_pointer, std::string())
                             : entry.value("name", std::string());
    auto it = version_of.find(service);
    if (it == version_of.end())
      return invalid(ref.kind + " " + ref.name + " routes to " + service +
                     ", which is no version of this experiment");
    out[it->second] = entry.value("weight", 0);
  }
  return out;
}

}  // namespace veer::meshes
