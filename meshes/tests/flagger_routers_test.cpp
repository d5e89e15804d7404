// The routers Flagger users bring (contour, gloo, traefik, skipper, apisix, kuma, knative and
// smi:<version>:<mesh>): what each must do beyond the golden files. Refuse the features it cannot
// render naming provider and field, keep the user's objects, and clean up on finalize.
#include <doctest/doctest.h>

#include "meshes/router.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

using testing::router_for;

// The golden "canary" scenario of `provider`: its Canary and the user's objects.
testing::Scenario canary_scenario(const std::string& provider) {
  for (const auto& s : testing::golden_scenarios()) {
    if (s.provider == provider && s.strategy == "canary") return s;
  }
  FAIL("no canary scenario for " << provider);
  throw 0;
}

const json kHeaderMatch = json::parse(R"([{"headers": {"x-canary": {"exact": "insider"}}}])");

struct Refusals {
  const char* provider;
  bool ab;              // true: A/B is rendered, not refused
  bool mirror = false;  // true: mirroring is rendered, not refused
};

TEST_CASE("each router refuses what it cannot render, naming the provider and the field") {
  for (const auto& [provider, renders_ab, renders_mirror] :
       {Refusals{"contour", true, true}, Refusals{"gloo", true}, Refusals{"traefik", false, true},
        Refusals{"skipper", false}, Refusals{"apisix", false}, Refusals{"kuma", false},
        Refusals{"knative", false}, Refusals{"smi:v1alpha3:istio", false}}) {
    CAPTURE(provider);
    const auto s = canary_scenario(provider);
    auto router = router_for(provider);
    auto expect_refusal = [&](const CanaryRouting& canary, const Routes& routes,
                              const std::string& field) {
      auto writes = router->apply(canary, routes, s.observed);
      REQUIRE_FALSE(writes.ok());
      CHECK(writes.error().kind == RouterError::Kind::invalid);
      CHECK(writes.error().message.find("provider " + std::string(provider)) != std::string::npos);
      CHECK(writes.error().message.find(field) != std::string::npos);
    };
    auto ab = s.canary;
    ab.analysis_match = kHeaderMatch;
    if (renders_ab) {
      CHECK(router->apply(ab, testing::weights(100), s.observed).ok());
    } else {
      expect_refusal(ab, testing::weights(100), "spec.analysis.match");
    }
    Routes mirrored = testing::weights(0);
    mirrored.mirror = true;
    if (renders_mirror) {
      CHECK(router->apply(s.canary, mirrored, s.observed).ok());
    } else {
      expect_refusal(s.canary, mirrored, "spec.analysis.mirror");
    }
    auto sticky = s.canary;
    sticky.session_affinity = SessionAffinity{};
    sticky.session_affinity->cookie_name = "veer-cookie";
    expect_refusal(sticky, testing::weights(10), "spec.analysis.sessionAffinity");
  }
}

TEST_CASE("contour: one route per analysis match, the rest to the primary, user spec restored") {
  auto canary = canary_scenario("contour").canary;
  canary.match = json::parse(R"([{"uri": {"prefix": "/api"}}])");
  canary.analysis_match = json::parse(R"([
    {"headers": {"x-canary": {"exact": "insider"}, "x-region": {"prefix": "eu."}}},
    {"headers": {"user-agent": {"regex": ".*Firefox.*"}}}])");
  auto router = router_for("contour");
  auto writes = router->apply(canary, testing::weights(100), {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const json& routes = writes->front().object["spec"]["routes"];
  REQUIRE(routes.size() == 3);
  CHECK(routes[0]["conditions"] == json::parse(R"([{"prefix": "/api"},
      {"header": {"name": "x-canary", "exact": "insider"}},
      {"header": {"name": "x-region", "regex": "^eu\\..*"}}])"));
  CHECK(routes[1]["conditions"][1]["header"] ==
        json::parse(R"({"name": "user-agent", "regex": ".*Firefox.*"})"));
  CHECK(routes[0]["services"][1]["weight"] == 100);
  CHECK(routes[2]["conditions"] == json::parse(R"([{"prefix": "/api"}])"));
  CHECK(routes[2]["services"][0]["weight"] == 100);
  CHECK(routes[2]["services"][1]["weight"] == 0);
  CHECK(routes[2]["retryPolicy"] == json::parse(R"({"count": 3, "perTryTimeout": "1s",
                        "retryOn": ["gateway-error", "connect-failure"]})"));

  auto by_uri = canary;
  by_uri.analysis_match = json::parse(R"([{"uri": {"prefix": "/beta"}}])");
  auto refused = router->apply(by_uri, testing::weights(100), {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.analysis.match[].uri") != std::string::npos);

  // An HTTPProxy the user made is taken over, and given back on deletion.
  const json users = json::parse(R"({"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"routes": [{"services": [{"name": "podinfo", "port": 9898}]}]}})");
  auto taken =
      router->apply(canary_scenario("contour").canary, testing::weights(10), Observed{{users}});
  REQUIRE(taken.ok());
  CHECK(taken->front().action == Write::Action::update);
  auto restored = router->finalize(canary, testing::after(Observed{{users}}, taken.value()));
  REQUIRE(restored.ok());
  REQUIRE(restored->size() == 1);
  CHECK(restored->front().object["spec"] == users["spec"]);
}

TEST_CASE("gloo: upstreams select veer's pods, A/B matchers are alternatives before the rest") {
  auto canary = canary_scenario("gloo").canary;
  canary.analysis_match = json::parse(R"([{"headers": {"x-canary": {"exact": "insider"}}},
      {"headers": {"x-beta": {"regex": "^yes$"}}, "method": {"exact": "GET"}}])");
  auto writes = router_for("gloo")->apply(canary, testing::weights(100), {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  REQUIRE(writes->size() == 3);
  const json& primary = writes->at(0).object;
  CHECK(primary["metadata"]["name"] == "test-podinfo-primaryupstream-9898");
  CHECK(primary["spec"]["kube"]["selector"] == json{{"app", "podinfo-primary"}});
  CHECK(writes->at(1).object["spec"]["kube"]["serviceName"] == "podinfo-canary");
  CHECK(writes->at(1).object["spec"]["kube"]["selector"] == json{{"app", "podinfo"}});
  const json& routes = writes->at(2).object["spec"]["routes"];
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["matchers"] == json::parse(R"([
      {"headers": [{"name": "x-canary", "value": "insider"}]},
      {"headers": [{"name": "x-beta", "value": "^yes$", "regex": true}], "methods": ["GET"]}])"));
  CHECK_FALSE(routes[1].contains("matchers"));
  CHECK(routes[1]["routeAction"]["multi"]["destinations"][0]["weight"] == 100);
}

TEST_CASE("traefik lists only the services that get traffic, and reads absent ones as 0") {
  const auto s = canary_scenario("traefik");
  auto router = router_for("traefik");
  for (int weight : {0, 100}) {
    CAPTURE(weight);
    auto writes = router->apply(s.canary, testing::weights(weight), {});
    REQUIRE(writes.ok());
    const json& services = writes->front().object["spec"]["weighted"]["services"];
    REQUIRE(services.size() == 1);
    CHECK(services[0]["name"] == (weight == 0 ? "podinfo-primary" : "podinfo-canary"));
    auto read = router->read(s.canary, testing::after({}, writes.value()));
    REQUIRE(read.ok());
    CHECK(read->canary_weight == weight);
  }
  json stranger = json::parse(R"({"apiVersion": "traefik.io/v1alpha1", "kind": "TraefikService",
      "metadata": {"name": "podinfo"}, "spec": {"weighted": {"services": [{"name": "other"}]}}})");
  auto unreadable = router->read(s.canary, Observed{{stranger}});
  REQUIRE_FALSE(unreadable.ok());
  CHECK(unreadable.error().message.find("lists neither podinfo-primary nor podinfo-canary") !=
        std::string::npos);
}

TEST_CASE("skipper: the -canary Ingress is preferred while it gets traffic, off at weight 0") {
  const auto s = canary_scenario("skipper");
  auto router = router_for("skipper");
  auto writes = router->apply(s.canary, testing::weights(25), s.observed);
  REQUIRE(writes.ok());
  REQUIRE(writes->size() == 1);  // the user's Ingress is never written
  const json& ingress = writes->front().object;
  CHECK(ingress["metadata"]["name"] == "podinfo-canary");
  const json& annotations = ingress["metadata"]["annotations"];
  CHECK(annotations["zalando.org/backend-weights"] ==
        R"({"podinfo-canary":25,"podinfo-primary":75})");
  CHECK(annotations["zalando.org/skipper-predicate"] ==
        R"(Weight(100) && Header("X-Env", "prod"))");
  const json& paths = ingress["spec"]["rules"][0]["http"]["paths"];
  REQUIRE(paths.size() == 2);
  CHECK(paths[0]["backend"]["service"]["name"] == "podinfo-primary");
  CHECK(paths[1]["backend"]["service"]["name"] == "podinfo-canary");

  auto cluster = testing::after(s.observed, writes.value());
  auto off = router->apply(s.canary, testing::weights(0), cluster);
  REQUIRE(off.ok());
  CHECK(off->front().object["metadata"]["annotations"]["zalando.org/skipper-predicate"] ==
        R"(False() && Header("X-Env", "prod"))");

  auto finalized = router->finalize(s.canary, cluster);
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK(finalized->front().action == Write::Action::remove);

  json elsewhere = testing::podinfo_ingress();
  elsewhere["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "frontend";
  auto refused = router->apply(s.canary, testing::weights(10), Observed{{elsewhere}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("no path sends traffic to the apex Service podinfo") !=
        std::string::npos);
  auto no_ref = s.canary;
  no_ref.ingress_name.clear();
  auto missing = router->apply(no_ref, testing::weights(10), s.observed);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("spec.ingressRef.name is required for provider skipper") !=
        std::string::npos);
}

TEST_CASE("apisix copies only the apex rule, at top priority, and needs one backend there") {
  const auto s = canary_scenario("apisix");
  auto router = router_for("apisix");
  auto writes = router->apply(s.canary, testing::weights(30), s.observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  REQUIRE(writes->size() == 1);
  const json& route = writes->front().object;
  CHECK(route["metadata"]["name"] == "podinfo-podinfo-canary");
  REQUIRE(route["spec"]["http"].size() == 1);
  const json& rule = route["spec"]["http"][0];
  CHECK(rule["name"] == "main");
  CHECK(rule["priority"] == 10000);
  CHECK(rule["backends"] == json::parse(R"([
      {"serviceName": "podinfo-primary", "servicePort": 9898, "resolveGranularity": "endpoint", "weight": 70},
      {"serviceName": "podinfo-canary", "servicePort": 9898, "resolveGranularity": "endpoint", "weight": 30}])"));

  json two = s.observed.objects.front();
  two["spec"]["http"][1]["backends"].push_back({{"serviceName", "other"}, {"servicePort", 80}});
  auto refused = router->apply(s.canary, testing::weights(30), Observed{{two}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("exactly one backend") != std::string::npos);
  auto no_ref = s.canary;
  no_ref.route_name.clear();
  auto missing = router->apply(no_ref, testing::weights(10), s.observed);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("spec.routeRef.name is required") != std::string::npos);
  auto finalized = router->finalize(s.canary, testing::after(s.observed, writes.value()));
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK(finalized->front().action == Write::Action::remove);
  CHECK(finalized->front().object["metadata"]["name"] == "podinfo-podinfo-canary");
}

TEST_CASE("kuma: a cluster-scoped route in the Canary's mesh, marked, and deleted on finalize") {
  auto canary = canary_scenario("kuma").canary;
  canary.mesh = "payments";
  auto router = router_for("kuma");
  auto writes = router->apply(canary, testing::weights(10), {});
  REQUIRE(writes.ok());
  const json& route = writes->front().object;
  CHECK_FALSE(route["metadata"].contains("namespace"));
  CHECK_FALSE(route["metadata"].contains("ownerReferences"));
  CHECK(route["mesh"] == "payments");
  CHECK(route["metadata"]["annotations"]["veer.dev/canary"] == "test/podinfo");
  CHECK(route["spec"]["destinations"][0]["match"]["kuma.io/service"] == "podinfo_test_svc_9898");

  auto cluster = testing::after({}, writes.value());
  auto other = canary;
  other.namespace_ = "shop";
  auto refused = router->apply(other, testing::weights(10), cluster);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("belongs to Canary test/podinfo") != std::string::npos);
  CHECK(router->finalize(other, cluster)->empty());

  // Flagger's route (unmarked) is adopted.
  json flaggers = route;
  flaggers["metadata"].erase("annotations");
  auto adopted = router->apply(canary, testing::weights(20), Observed{{flaggers}});
  REQUIRE(adopted.ok());
  CHECK(adopted->front().action == Write::Action::update);

  auto finalized = router->finalize(canary, cluster);
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK(finalized->front().action == Write::Action::remove);
}

TEST_CASE("knative keeps the primary revision while the latest one changes") {
  const auto s = canary_scenario("knative");
  auto router = router_for("knative");
  auto writes = router->apply(s.canary, testing::weights(10), s.observed);
  REQUIRE(writes.ok());
  auto cluster = testing::after(s.observed, writes.value());
  json& service = cluster.objects.back();
  CHECK(service["metadata"]["annotations"]["veer.dev/primary-revision"] == "podinfo-00001");
  CHECK(service["spec"]["template"] == s.observed.objects.front()["spec"]["template"]);
  // A new revision becomes ready: the primary stays, the latest revision is the canary.
  service["status"]["latestReadyRevisionName"] = "podinfo-00002";
  auto again = router->apply(s.canary, testing::weights(20), cluster);
  REQUIRE(again.ok());
  CHECK(again->front().object["spec"]["traffic"] == json::parse(R"([
      {"latestRevision": true, "percent": 20},
      {"revisionName": "podinfo-00001", "latestRevision": false, "percent": 80}])"));

  // Knative has not caught up with the spec yet: not ready, not a wrong weight.
  service["metadata"]["generation"] = 3;
  service["status"]["observedGeneration"] = 2;
  auto pending = router->read(s.canary, cluster);
  REQUIRE_FALSE(pending.ok());
  CHECK(pending.error().kind == RouterError::Kind::not_ready);

  json flaggers = s.observed.objects.front();
  flaggers["metadata"]["annotations"] = {{"flagger.app/primary-revision", "podinfo-00007"}};
  auto migrated = router->apply(s.canary, testing::weights(0), Observed{{flaggers}});
  REQUIRE(migrated.ok());
  CHECK(migrated->front().object["spec"]["traffic"][1]["revisionName"] == "podinfo-00007");

  // The controller's recorded primary (a promotion) wins over the annotation and is written to it.
  auto promoted = s.canary;
  promoted.primary_revision = "podinfo-00002";
  auto moved = router->apply(promoted, testing::weights(0), cluster);
  REQUIRE(moved.ok());
  CHECK(moved->front().object["metadata"]["annotations"]["veer.dev/primary-revision"] ==
        "podinfo-00002");
  CHECK(moved->front().object["spec"]["traffic"][1]["revisionName"] == "podinfo-00002");
  CHECK(moved->front().object["spec"]["traffic"][1]["percent"] == 100);

  json fresh = s.observed.objects.front();
  fresh.erase("status");
  auto no_revision = router->apply(s.canary, testing::weights(0), Observed{{fresh}});
  REQUIRE_FALSE(no_revision.ok());
  CHECK(no_revision.error().kind == RouterError::Kind::not_ready);

  auto finalized = router->finalize(s.canary, testing::after(s.observed, writes.value()));
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK_FALSE(finalized->front().object["metadata"].contains("annotations"));
  CHECK(finalized->front().object["spec"]["traffic"] == writes->front().object["spec"]["traffic"]);
}

TEST_CASE("smi:<version>:<mesh> picks the version and tells Istio the gateways") {
  auto canary = testing::podinfo_canary();
  canary.gateways = {"public-gateway"};
  auto istio = router_for("smi:v1alpha2:istio");
  CHECK(istio->provider() == "smi:v1alpha2:istio");
  auto writes = istio->apply(canary, testing::weights(10), {});
  REQUIRE(writes.ok());
  const json& split = writes->front().object;
  CHECK(split["apiVersion"] == "split.smi-spec.io/v1alpha2");
  CHECK(split["metadata"]["annotations"]
             ["VirtualService.v1alpha3.networking.istio.io/spec.gateways"] ==
        R"(["public-gateway"])");
  auto osm = router_for("smi:v1alpha1:osm")->apply(canary, testing::weights(10), {});
  REQUIRE(osm.ok());
  CHECK_FALSE(osm->front().object["metadata"]["annotations"].contains(
      "VirtualService.v1alpha3.networking.istio.io/spec.gateways"));
  for (const char* bad : {"smi:v1alpha9", "smi:v1alpha1:", "smi:"}) {
    CAPTURE(bad);
    auto router = make_router(bad);
    REQUIRE_FALSE(router.ok());
    CHECK(router.error().message.find("smi:<version>:<mesh>") != std::string::npos);
  }
}

TEST_CASE("contour mirrors with a mirror service, no mirrorWeight mirrors every request") {
  auto s = canary_scenario("contour");
  auto router = router_for("contour");
  Routes mirrored = testing::weights(0);
  mirrored.mirror = true;
  auto writes = router->apply(s.canary, mirrored, {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const json& services = writes->front().object["spec"]["routes"][0]["services"];
  REQUIRE(services.size() == 3);
  CHECK(services[2]["name"] == "podinfo-canary");
  CHECK(services[2]["mirror"] == true);
  CHECK_FALSE(services[2].contains("weight"));  // Contour mirrors 100% without a weight
  auto read = router->read(s.canary, testing::after({}, writes.value()));
  REQUIRE(read.ok());
  CHECK(read->mirror);
  CHECK(read->mirror_percentage == std::nullopt);
  CHECK(read->primary_weight == 100);

  // Contour takes a mirror weight of 0 for "unset", which would mirror everything.
  mirrored.mirror_percentage = 0;
  auto refused = router->apply(s.canary, mirrored, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.analysis.mirrorWeight") != std::string::npos);
}

TEST_CASE("traefik switches between its weighted and mirroring services") {
  auto s = canary_scenario("traefik");
  auto router = router_for("traefik");
  Observed cluster = testing::after({}, router->apply(s.canary, testing::weights(0), {}).value());
  Routes mirrored = testing::weights(0);
  mirrored.mirror = true;
  auto writes = router->apply(s.canary, mirrored, cluster);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const json& spec = writes->front().object["spec"];
  // Traefik reads spec.weighted before spec.mirroring: it must be gone while mirroring.
  CHECK_FALSE(spec.contains("weighted"));
  CHECK(spec["mirroring"] == json::parse(R"({"name": "podinfo-primary", "namespace": "test",
      "port": 9898, "mirrors": [{"name": "podinfo-canary", "namespace": "test", "port": 9898,
      "percent": 100}]})"));
  cluster = testing::after(cluster, writes.value());
  auto read = router->read(s.canary, cluster);
  REQUIRE(read.ok());
  CHECK(read->mirror);
  CHECK(read->primary_weight == 100);
  CHECK(read->mirror_percentage == std::nullopt);

  auto back = router->apply(s.canary, testing::weights(20), cluster);
  REQUIRE(back.ok());
  CHECK_FALSE(back->front().object["spec"].contains("mirroring"));
  CHECK(back->front().object["spec"]["weighted"]["services"].size() == 2);
  cluster = testing::after(cluster, back.value());
  CHECK(router->read(s.canary, cluster)->canary_weight == 20);
  CHECK_FALSE(router->read(s.canary, cluster)->mirror);

  Routes both = testing::weights(10);
  both.mirror = true;
  auto refused = router->apply(s.canary, both, cluster);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.analysis.mirror") != std::string::npos);
}

TEST_CASE("gloo: spec.upstreamRef's settings reach both Upstreams and follow its changes") {
  testing::Scenario s;
  for (const auto& g : testing::golden_scenarios()) {
    if (g.provider == "gloo" && g.strategy == "upstreamref") s = g;
  }
  REQUIRE(s.canary.upstream_ref_name == "config-upstream");
  auto router = router_for("gloo");
  // The referenced Upstream is observed in its own namespace, not the Canary's.
  const auto refs = router->objects(s.canary);
  REQUIRE(refs.size() == 4);
  CHECK(refs[3].name == "config-upstream");
  CHECK(refs[3].namespace_ == "gloo-system");
  Observed same_name_elsewhere{{s.observed.objects[0]}};
  same_name_elsewhere.objects[0]["metadata"]["namespace"] = "test";
  CHECK(same_name_elsewhere.find(refs[3]) == nullptr);

  auto writes = router->apply(s.canary, testing::weights(10), s.observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const json& primary = writes->at(0).object["spec"];
  CHECK(primary["sslConfig"] == json::parse(R"({"sni": "podinfo.example.com"})"));
  CHECK(primary["useHttp2"] == true);
  CHECK_FALSE(primary.contains("healthChecks"));  // not among the copied settings
  CHECK(primary["kube"]["serviceName"] == "podinfo-primary");
  CHECK(writes->at(1).object["spec"]["loadBalancerConfig"] == json::parse(R"({"roundRobin": {}})"));

  // A changed setting in the referenced Upstream is copied again; a removed one goes.
  Observed cluster = testing::after(s.observed, writes.value());
  cluster.objects[0]["spec"]["sslConfig"]["sni"] = "new.example.com";
  cluster.objects[0]["spec"].erase("useHttp2");
  auto again = router->apply(s.canary, testing::weights(10), cluster);
  REQUIRE(again.ok());
  CHECK(again->at(0).action == Write::Action::update);
  CHECK(again->at(0).object["spec"]["sslConfig"]["sni"] == "new.example.com");
  CHECK_FALSE(again->at(0).object["spec"].contains("useHttp2"));

  // Without the referenced Upstream nothing is written: the copies would lack its settings.
  auto missing = router->apply(s.canary, testing::weights(10), {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == RouterError::Kind::not_found);
  CHECK(missing.error().message.find("spec.upstreamRef") != std::string::npos);
  CHECK(missing.error().message.find("config-upstream.gloo-system") != std::string::npos);
}

}  // namespace
}  // namespace veer::meshes
