#include "scenarios.hpp"

#include <doctest/doctest.h>

namespace veer::meshes::testing {

using nlohmann::json;

std::string golden_root() {
  return std::string(VEER_SOURCE_DIR) + "/meshes/tests/golden";
}

std::string Scenario::golden_path() const {
  std::string dir = provider;
  for (auto& ch : dir) {
    if (ch == ':') ch = '-';
  }
  return golden_root() + "/" + dir + "/" + strategy + ".json";
}

CanaryRouting podinfo_canary() {
  CanaryRouting c;
  c.name = "podinfo";
  c.namespace_ = "test";
  c.uid = "6f1c1c2e-7d7b-4a57-9a55-3b1c0e6a9f10";
  c.target_name = "podinfo";
  c.port = 9898;
  c.target_port = "http";
  c.apex_metadata =
      CustomMetadata{{{"app.kubernetes.io/part-of", "podinfo"}}, {{"example.com/owner", "team-a"}}};
  return c;
}

json podinfo_ingress() {
  return json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "podinfo", "namespace": "test", "labels": {"app": "podinfo"},
                 "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
    "spec": {"ingressClassName": "nginx",
             "rules": [{"host": "app.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "podinfo", "port": {"number": 9898}}}}]}}]}
  })");
}

namespace {

const json kAbMatch = json::parse(R"([
  {"headers": {"x-canary": {"exact": "insider"}}},
  {"headers": {"x-user-type": {"regex": "^beta-.*$"}}}
])");

const json kNginxAbMatch = json::parse(R"([
  {"headers": {"x-canary": {"exact": "insider"}}},
  {"headers": {"cookie": {"exact": "canary"}}}
])");

CanaryRouting istio_canary() {
  auto c = podinfo_canary();
  c.gateways = {"public-gateway.istio-system.svc.cluster.local", "mesh"};
  c.hosts = {"app.example.com"};
  c.timeout = "30s";
  c.match = json::parse(R"([{"uri": {"prefix": "/"}}])");
  c.retries = json::parse(
      R"({"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure"})");
  c.headers = json::parse(R"({"request": {"add": {"x-envoy-upstream-rq-timeout-ms": "15000"}}})");
  c.traffic_policy = json::parse(R"({"tls": {"mode": "DISABLE"}})");
  return c;
}

CanaryRouting gateway_canary(bool linkerd) {
  auto c = podinfo_canary();
  c.timeout = "30s";
  c.headers = json::parse(R"({"request": {"add": {"x-veer": "true"}}})");
  if (linkerd) {
    // GAMMA: the route attaches to the apex Service itself.
    c.gateway_refs = json::parse(
        R"([{"group": "core", "kind": "Service", "name": "podinfo", "namespace": "test", "port": 9898}])");
  } else {
    c.hosts = {"app.example.com"};
    c.gateway_refs = json::parse(R"([{"name": "gateway", "namespace": "istio-ingress"}])");
    c.backend_timeout = "10s";
    c.cors_policy = json::parse(R"({"allowOrigins": [{"exact": "https://app.example.com"}],
                                    "allowMethods": ["GET", "POST"], "allowCredentials": true,
                                    "maxAge": "24h"})");
  }
  return c;
}

json skipper_ingress() {
  json ingress = podinfo_ingress();
  ingress["spec"]["ingressClassName"] = "skipper";
  ingress["metadata"]["annotations"] = {
      {"zalando.org/skipper-predicate", "Header(\"X-Env\", \"prod\")"}};
  return ingress;
}

json podinfo_apisix_route() {
  return json::parse(R"({
    "apiVersion": "apisix.apache.org/v2", "kind": "ApisixRoute",
    "metadata": {"name": "podinfo", "namespace": "test", "labels": {"app": "podinfo"}},
    "spec": {"ingressClassName": "apisix", "http": [
      {"name": "health", "match": {"paths": ["/healthz"]},
       "backends": [{"serviceName": "health", "servicePort": 8080}]},
      {"name": "main", "match": {"hosts": ["app.example.com"], "paths": ["/*"]},
       "backends": [{"serviceName": "podinfo", "servicePort": 9898, "resolveGranularity": "endpoint"}]}]}
  })");
}

json podinfo_knative_service() {
  return json::parse(R"({
    "apiVersion": "serving.knative.dev/v1", "kind": "Service",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/stefanprodan/podinfo:6.0.1"}]}}},
    "status": {"latestReadyRevisionName": "podinfo-00001", "latestCreatedRevisionName": "podinfo-00001"}
  })");
}

// The Upstream a Gloo Canary's spec.upstreamRef names, with settings to copy (and a kube part that
// is not copied).
json gloo_config_upstream() {
  return json::parse(R"({
    "apiVersion": "gloo.solo.io/v1", "kind": "Upstream",
    "metadata": {"name": "config-upstream", "namespace": "gloo-system"},
    "spec": {
      "kube": {"serviceName": "other", "serviceNamespace": "gloo-system", "servicePort": 80},
      "sslConfig": {"sni": "podinfo.example.com"},
      "loadBalancerConfig": {"roundRobin": {}},
      "useHttp2": true,
      "healthChecks": [{"timeout": "1s"}]}
  })");
}

SessionAffinity affinity() {
  SessionAffinity a;
  a.cookie_name = "veer-cookie";
  a.max_age = 21600;
  return a;
}

// What a router renders beyond weights (canary and blue/green, which every router has).
struct Features {
  bool ab = false;
  bool mirror = false;
  bool affinity = false;
};

// The strategies a router has, as the operator drives them mid-run.
void add_strategies(std::vector<Scenario>& out, const std::string& provider,
                    const CanaryRouting& base, Features features, const Observed& observed = {}) {
  out.push_back({provider, "canary", base, weights(10), observed});
  if (features.ab) {
    auto ab = base;
    ab.analysis_match = kAbMatch;
    ab.iterations = 10;
    out.push_back({provider, "ab", ab, weights(100), observed});
  }
  auto bg = base;
  bg.iterations = 10;
  out.push_back({provider, "bluegreen", bg, weights(100), observed});
  if (features.mirror) {
    auto mirror_routes = weights(0);
    mirror_routes.mirror = true;
    mirror_routes.mirror_percentage = 50;
    out.push_back({provider, "mirror", bg, mirror_routes, observed});
  }
  if (!features.affinity) return;
  auto session = base;
  session.session_affinity = affinity();
  auto session_routes = weights(10);
  session_routes.session_cookie = "veer-cookie=FpLSjFbcXo";
  out.push_back({provider, "session", session, session_routes, {}});
  auto primary_session = session;
  primary_session.session_affinity->primary_cookie_name = "veer-primary";
  primary_session.session_affinity->primary_max_age = 30;
  out.push_back({provider, "session-primary", primary_session, session_routes, {}});
}

// The routers Flagger users bring (issue 17): contour, gloo, traefik, skipper, apisix, kuma,
// knative and the smi:<version>:<mesh> form.
void add_flagger_routers(std::vector<Scenario>& out) {
  auto envoy = podinfo_canary();
  envoy.timeout = "30s";
  envoy.retries = json::parse(
      R"({"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure"})");
  add_strategies(out, "contour", envoy, {.ab = true, .mirror = true});
  add_strategies(out, "gloo", podinfo_canary(), {.ab = true});
  auto gloo_config = podinfo_canary();
  gloo_config.upstream_ref_name = "config-upstream";
  gloo_config.upstream_ref_namespace = "gloo-system";
  out.push_back({"gloo", "upstreamref", gloo_config, weights(10), {{gloo_config_upstream()}}});
  add_strategies(out, "traefik", podinfo_canary(), {.mirror = true});
  add_strategies(out, "kuma", podinfo_canary(), {});
  auto ingress = podinfo_canary();
  ingress.ingress_name = "podinfo";
  add_strategies(out, "skipper", ingress, {}, Observed{{skipper_ingress()}});
  auto apisix = podinfo_canary();
  apisix.route_name = "podinfo";
  add_strategies(out, "apisix", apisix, {}, Observed{{podinfo_apisix_route()}});
  add_strategies(out, "knative", podinfo_canary(), {}, Observed{{podinfo_knative_service()}});
  auto smi_istio = podinfo_canary();
  smi_istio.gateways = {"public-gateway.istio-system.svc.cluster.local"};
  out.push_back({"smi:v1alpha3:istio", "canary", smi_istio, weights(10), {}});
}

}  // namespace

std::vector<Scenario> golden_scenarios() {
  std::vector<Scenario> out;
  add_strategies(out, "istio", istio_canary(), {true, true, true});
  auto tcp = podinfo_canary();
  tcp.app_protocol = "tcp";
  out.push_back({"istio", "tcp", tcp, weights(10), {}});
  // portDiscovery: the target's metrics and admin ports on the Services, the port on every
  // destination behind an ingress gateway.
  auto discovery = istio_canary();
  discovery.port_discovery = true;
  discovery.discovered_ports = {{"http-metrics", 9797, "TCP"}, {"tcp-podinfo-2", 9999, "TCP"}};
  out.push_back({"istio", "portdiscovery", discovery, weights(10), {}});
  add_strategies(out, "gatewayapi:v1", gateway_canary(false), {true, true, true});
  add_strategies(out, "gatewayapi:v1beta1", gateway_canary(true), {true, true, true});
  for (const char* version : {"smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3", "smi:v1alpha4"}) {
    out.push_back({version, "canary", podinfo_canary(), weights(10), {}});
  }
  auto nginx = podinfo_canary();
  nginx.ingress_name = "podinfo";
  std::vector<Scenario> nginx_scenarios;
  add_strategies(nginx_scenarios, "nginx", nginx, {.ab = true});
  for (auto& s : nginx_scenarios) {
    s.observed.objects.push_back(podinfo_ingress());
    // NGINX routes by one header and one cookie.
    if (s.strategy == "ab") s.canary.analysis_match = kNginxAbMatch;
    out.push_back(std::move(s));
  }
  add_flagger_routers(out);
  return out;
}

Routes weights(int canary_weight) {
  Routes r;
  r.canary_weight = canary_weight;
  r.primary_weight = 100 - canary_weight;
  return r;
}

json as_list(const std::vector<Write>& writes) {
  json items = json::array();
  for (const auto& w : writes) items.push_back(w.object);
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
}

Observed after(const Observed& before, const std::vector<Write>& writes) {
  Observed result = before;
  for (const auto& w : writes) {
    const ObjectRef ref{w.object.value("apiVersion", ""), w.object.value("kind", ""),
                        w.object.value("/metadata/name"_json_pointer, std::string())};
    if (const json* old = result.find(ref)) {
      result.objects.erase(result.objects.begin() + (old - result.objects.data()));
    }
    if (w.action != Write::Action::remove) result.objects.push_back(w.object);
  }
  return result;
}

std::unique_ptr<Router> router_for(const std::string& provider) {
  auto router = make_router(provider);
  REQUIRE_MESSAGE(router.ok(), why(router));
  return std::move(router).value();
}

}  // namespace veer::meshes::testing
