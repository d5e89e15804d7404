// What each router must do beyond rendering: keep what the user owns, refuse what it cannot do
// with a message naming the field, wait for Gateway API acceptance, and restore on finalize.
#include <doctest/doctest.h>

#include "meshes/router.hpp"
#include "meshes/services.hpp"
#include "meshes/session_cookie.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

using testing::router_for;

SessionAffinity cookie_affinity() {
  SessionAffinity affinity;
  affinity.cookie_name = "veer-cookie";
  return affinity;
}

Routes split(int canary_weight) {
  return testing::weights(canary_weight);
}

Write only_write(const Expected<std::vector<Write>>& writes, const std::string& kind) {
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  for (const auto& w : writes.value()) {
    if (w.object.value("kind", "") == kind) return w;
  }
  FAIL("no " << kind << " written");
  throw 0;
}

TEST_CASE("an unknown provider is a validation error naming it and the known ones") {
  auto router = make_router("linkerd2");
  REQUIRE_FALSE(router.ok());
  CHECK(router.error().kind == RouterError::Kind::invalid);
  CHECK(router.error().message.find("\"linkerd2\"") != std::string::npos);
  CHECK(router.error().message.find("gatewayapi:v1beta1") != std::string::npos);
  for (const auto& provider : known_providers()) CHECK(make_router(provider).ok());
  CHECK(router_for("smi:v1alpha3")->objects(testing::podinfo_canary()).front().api_version ==
        "split.smi-spec.io/v1alpha3");
  CHECK(router_for("linkerd")->objects(testing::podinfo_canary()).front().api_version ==
        "split.smi-spec.io/v1alpha1");
}

TEST_CASE("weights that do not sum to 100 are refused") {
  Routes bad = split(10);
  bad.primary_weight = 80;
  for (const auto& provider : {"istio", "gatewayapi:v1", "smi:v1alpha2", "nginx"}) {
    CAPTURE(provider);
    auto writes = router_for(provider)->apply(testing::podinfo_canary(), bad, {});
    REQUIRE_FALSE(writes.ok());
    CHECK(writes.error().message.find("sum to 100") != std::string::npos);
  }
}

TEST_CASE("istio keeps the user's rules and annotations and finalize restores their spec") {
  auto canary = testing::podinfo_canary();
  const json user_vs = json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"name": "podinfo", "namespace": "test", "resourceVersion": "7",
                 "annotations": {"team.example.com/oncall": "alice"}},
    "spec": {"hosts": ["podinfo"], "http": [
      {"match": [{"uri": {"prefix": "/admin"}}], "route": [{"destination": {"host": "admin"}}]},
      {"route": [{"destination": {"host": "podinfo"}}], "fault": {"delay": {"fixedDelay": "1s"}}},
      {"route": [{"destination": {"host": "legacy.test.svc.cluster.local"}}]}]}})");
  Observed observed{{user_vs}};
  auto router = router_for("istio");
  const Write vs = only_write(router->apply(canary, split(25), observed), "VirtualService");
  CHECK(vs.action == Write::Action::update);
  CHECK(vs.object["metadata"]["resourceVersion"] == "7");
  CHECK_FALSE(vs.object["metadata"].contains("ownerReferences"));
  const auto& annotations = vs.object["metadata"]["annotations"];
  CHECK(annotations["team.example.com/oncall"] == "alice");
  CHECK(annotations["example.com/owner"] == "team-a");
  CHECK(json::parse(annotations["veer.dev/original-configuration"].get<std::string>()) ==
        user_vs["spec"]);
  const auto& http = vs.object["spec"]["http"];
  REQUIRE(http.size() == 3);
  CHECK(http[0] == user_vs["spec"]["http"][0]);  // the user's rules keep their places
  CHECK(http[1]["route"][1] == json::parse(R"({"destination": {"host": "podinfo-canary"},
                                               "weight": 25})"));
  CHECK(http[2] == user_vs["spec"]["http"][2]);

  // Later writes keep the first saved original, and finalize puts it back.
  Observed written{{vs.object}};
  const Write again = only_write(router->apply(canary, split(50), written), "VirtualService");
  CHECK(again.object["metadata"]["annotations"]["veer.dev/original-configuration"] ==
        annotations["veer.dev/original-configuration"]);
  auto finalized = router->finalize(canary, Observed{{again.object}});
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  const auto& restored = finalized->front().object;
  CHECK(restored["spec"] == user_vs["spec"]);
  CHECK_FALSE(restored["metadata"]["annotations"].contains("veer.dev/original-configuration"));
  CHECK(restored["metadata"]["annotations"]["team.example.com/oncall"] == "alice");
}

TEST_CASE("istio refuses delegation with hosts, and session affinity without a cookie") {
  auto canary = testing::podinfo_canary();
  canary.delegation = true;
  canary.hosts = {"app.example.com"};
  auto writes = router_for("istio")->apply(canary, split(0), {});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message.find("spec.service.delegation") != std::string::npos);

  auto sticky = testing::podinfo_canary();
  sticky.session_affinity = cookie_affinity();
  auto no_cookie = router_for("istio")->apply(sticky, split(10), {});
  REQUIRE_FALSE(no_cookie.ok());
  CHECK(no_cookie.error().message.find("session cookie") != std::string::npos);
}

TEST_CASE("after a session-affinity run the previous cookie is expired and routed to primary") {
  auto canary = testing::podinfo_canary();
  canary.session_affinity = cookie_affinity();
  Routes done = split(0);
  done.previous_session_cookie = "veer-cookie=FpLSjFbcXo";
  for (const auto& provider_kind :
       {std::pair{"istio", "VirtualService"}, std::pair{"gatewayapi:v1", "HTTPRoute"}}) {
    const auto& [provider, kind] = provider_kind;
    INFO("provider " << provider_kind.first);
    auto c = canary;
    c.gateway_refs = json::parse(R"([{"name": "gateway"}])");
    const Write w = only_write(router_for(provider)->apply(c, done, {}), kind);
    const std::string text = w.object.dump();
    CHECK(text.find("veer-cookie=FpLSjFbcXo; Max-Age=-1") != std::string::npos);
    CHECK(text.find(".*veer-cookie.*FpLSjFbcXo.*") != std::string::npos);
    CHECK(text.find("\"weight\":100") != std::string::npos);
  }
}

// spec.service.unmanagedMetadata (Flagger): keys another tool manages on veer's objects. veer
// sets them when it creates the object (when declared) and never writes them again.
TEST_CASE("unmanagedMetadata keys are set on creation and then left alone") {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  canary.apex_metadata->annotations["example.com/tier"] = "gold";
  canary.unmanaged_annotations = {"example.com/tier", "argocd.argoproj.io/sync-options"};
  canary.unmanaged_labels = {"app.kubernetes.io/part-of"};

  auto created = apply_services(canary, {});
  REQUIRE(created.ok());
  const auto& apex = created->front().object;
  CHECK(apex["metadata"]["annotations"]["example.com/tier"] == "gold");
  CHECK(apex["metadata"]["labels"]["app.kubernetes.io/part-of"] == "podinfo");

  // Another tool changes them; a managed annotation changed as well is written back.
  std::vector<Write> cluster;
  for (const auto& w : created.value()) cluster.push_back(w);
  for (const auto& [provider, kind] :
       {std::pair{"istio", "VirtualService"}, std::pair{"gatewayapi:v1", "HTTPRoute"}}) {
    auto routed = router_for(provider)->apply(canary, split(0), {});
    REQUIRE(routed.ok());
    for (const auto& w : routed.value()) cluster.push_back(w);
  }
  Observed observed = testing::after({}, cluster);
  for (auto& object : observed.objects) {
    auto& meta = object["metadata"];
    if (!meta.contains("labels") || !meta["labels"].contains("app.kubernetes.io/part-of")) continue;
    meta["labels"]["app.kubernetes.io/part-of"] = "shop";
    meta["annotations"]["example.com/tier"] = "silver";
    if (meta["annotations"].contains("argocd.argoproj.io/sync-options"))
      meta["annotations"]["argocd.argoproj.io/sync-options"] = "Prune=true";
  }
  auto services = apply_services(canary, observed);
  REQUIRE(services.ok());
  CHECK(services->front().action == Write::Action::unchanged);
  for (const auto& [provider, kind] :
       {std::pair{"istio", "VirtualService"}, std::pair{"gatewayapi:v1", "HTTPRoute"}}) {
    CAPTURE(provider);
    const Write w = only_write(router_for(provider)->apply(canary, split(0), observed), kind);
    CHECK(w.action == Write::Action::unchanged);
    CHECK(w.object["metadata"]["annotations"]["example.com/tier"] == "silver");
  }

  // Without unmanagedMetadata veer owns them again.
  canary.unmanaged_annotations.clear();
  canary.unmanaged_labels.clear();
  auto owned = apply_services(canary, observed);
  REQUIRE(owned.ok());
  CHECK(owned->front().action == Write::Action::update);
  CHECK(owned->front().object["metadata"]["annotations"]["example.com/tier"] == "gold");
}

// primaryCookieName (Flagger): while the canary gets traffic, the primary's responses hand out a
// second cookie for one analysis interval, and a rule keeps its holders on the primary, so a
// user the primary served is not moved to the canary at every request. A new run gets a new
// cookie; when the canary gets no traffic the rule and the cookie go.
TEST_CASE("primaryCookieName pins users the primary served, for one interval, per run") {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  canary.session_affinity = cookie_affinity();
  canary.session_affinity->primary_cookie_name = "veer-primary";
  canary.session_affinity->primary_max_age = 30;
  Routes run = split(10);
  run.session_cookie = "veer-cookie=FpLSjFbcXo";
  const auto primary_cookie = primary_session_cookie(*canary.session_affinity, run.session_cookie);
  REQUIRE(primary_cookie.rfind("veer-primary=", 0) == 0);
  CHECK(primary_cookie.size() == std::string("veer-primary=").size() + 10);
  CHECK(primary_cookie ==
        primary_session_cookie(*canary.session_affinity, "veer-cookie=FpLSjFbcXo"));
  CHECK(primary_cookie !=
        primary_session_cookie(*canary.session_affinity, "veer-cookie=AbCdEfGhIj"));
  const auto primary_regex = cookie_regex(primary_cookie);

  for (const auto& [provider, kind] :
       {std::pair{"istio", "VirtualService"}, std::pair{"gatewayapi:v1", "HTTPRoute"}}) {
    CAPTURE(provider);
    const Write w = only_write(router_for(provider)->apply(canary, run, {}), kind);
    const bool istio = std::string(provider) == "istio";
    const auto& rules = w.object["spec"][istio ? "http" : "rules"];
    REQUIRE(rules.size() == 3);  // sticky canary, sticky primary, weighted
    const std::string sticky_primary = rules[1].dump();
    CHECK(sticky_primary.find(primary_regex) != std::string::npos);
    const auto& to = rules[1][istio ? "route" : "backendRefs"];
    CHECK(to[0][istio ? "destination" : "name"].dump().find("podinfo-primary") !=
          std::string::npos);
    CHECK(to[0]["weight"] == 100);
    CHECK(to[1]["weight"] == 0);
    // The primary backend of the weighted rule sets the cookie for one interval.
    const auto& primary_backend = rules[2][istio ? "route" : "backendRefs"][0];
    CHECK(primary_backend.dump().find(primary_cookie + "; Max-Age=30") != std::string::npos);
    const auto read = router_for(provider)->read(canary, testing::after({}, {w}));
    if (istio) {
      REQUIRE_MESSAGE(read.ok(), testing::why(read));
      CHECK(read->canary_weight == 10);
    }

    // The run is over: no primary rule and no primary cookie.
    Routes done = split(0);
    done.previous_session_cookie = run.session_cookie;
    const Write after = only_write(router_for(provider)->apply(canary, done, {}), kind);
    CHECK(after.object.dump().find("veer-primary") == std::string::npos);
  }
}

TEST_CASE("gateway api keeps the user's rules and filters on an existing route (Flagger #1857)") {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway", "namespace": "ingress"}])");
  const json user_route = json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "podinfo", "namespace": "test", "generation": 3,
                 "annotations": {"argocd.argoproj.io/tracking-id": "app:x"}},
    "spec": {"parentRefs": [{"name": "gateway", "namespace": "ingress"}], "rules": [
      {"matches": [{"path": {"type": "PathPrefix", "value": "/docs"}}],
       "backendRefs": [{"name": "docs", "port": 80}]},
      {"filters": [{"type": "ExtensionRef",
                    "extensionRef": {"group": "example.com", "kind": "Auth", "name": "sso"}},
                   {"type": "RequestHeaderModifier",
                    "requestHeaderModifier": {"set": [{"name": "x-old", "value": "1"}]}}],
       "backendRefs": [{"name": "podinfo", "port": 9898}]}]}})");
  auto writes = router_for("gatewayapi:v1")->apply(canary, split(30), Observed{{user_route}});
  const Write route = only_write(writes, "HTTPRoute");
  CHECK(route.action == Write::Action::update);
  const auto& rules = route.object["spec"]["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0] == user_route["spec"]["rules"][0]);
  // The user's ExtensionRef filter stays; the header filter (a type veer renders) is veer's.
  CHECK(rules[1]["filters"] == json::parse(R"([{"type": "ExtensionRef",
        "extensionRef": {"group": "example.com", "kind": "Auth", "name": "sso"}}])"));
  CHECK(rules[1]["backendRefs"][1]["name"] == "podinfo-canary");
  CHECK(rules[1]["backendRefs"][1]["weight"] == 30);
  CHECK(route.object["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] == "app:x");
}

TEST_CASE("gateway api routes count as applied only when Accepted for the current generation") {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  auto router = router_for("gatewayapi:v1");
  json route = only_write(router->apply(canary, split(40), {}), "HTTPRoute").object;
  route["metadata"]["generation"] = 2;

  auto read = router->read(canary, Observed{{route}});
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().kind == RouterError::Kind::not_ready);
  CHECK(read.error().message.find("no parent has reported status") != std::string::npos);

  auto accepted = [&](const char* status, int generation) {
    json r = route;
    r["status"]["parents"] = {{{"parentRef", {{"name", "gateway"}}},
                               {"conditions",
                                {{{"type", "Accepted"},
                                  {"status", status},
                                  {"reason", "NotAllowedByListeners"},
                                  {"message", "no listener"},
                                  {"observedGeneration", generation}}}}}};
    return r;
  };
  read = router->read(canary, Observed{{accepted("True", 1)}});
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message.find("accepted generation 1, not the current 2") != std::string::npos);
  read = router->read(canary, Observed{{accepted("False", 2)}});
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message.find("NotAllowedByListeners: no listener") != std::string::npos);
  read = router->read(canary, Observed{{accepted("True", 2)}});
  REQUIRE(read.ok());
  CHECK(read->canary_weight == 40);
  CHECK(read->primary_weight == 60);
}

TEST_CASE("gateway api needs gatewayRefs and maps only the matches it can express") {
  auto canary = testing::podinfo_canary();
  auto router = router_for("gatewayapi:v1beta1");
  auto writes = router->apply(canary, split(0), {});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message.find("spec.service.gatewayRefs") != std::string::npos);
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  canary.match = json::parse(R"([{"headers": {"x-a": {"prefix": "v"}}}])");
  writes = router->apply(canary, split(0), {});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message.find("spec.service.match[0].headers.x-a") != std::string::npos);
}

TEST_CASE("nginx copies the user's Ingress to -canary and never writes the user's Ingress") {
  auto canary = testing::podinfo_canary();
  canary.ingress_name = "podinfo";
  Observed observed{{testing::podinfo_ingress()}};
  for (const auto& prefix : {"nginx.ingress.kubernetes.io", "custom.nginx.org"}) {
    auto router = make_router("nginx", prefix).value();
    auto writes = router->apply(canary, split(35), observed);
    REQUIRE(writes.ok());
    REQUIRE(writes->size() == 1);
    const auto& ingress = writes->front().object;
    CHECK(ingress["metadata"]["name"] == "podinfo-canary");
    CHECK(ingress["metadata"]["annotations"][std::string(prefix) + "/canary"] == "true");
    CHECK(ingress["metadata"]["annotations"][std::string(prefix) + "/canary-weight"] == "35");
    CHECK(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] ==
          "8m");
    CHECK(ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] ==
          "podinfo-canary");
  }
  json elsewhere = testing::podinfo_ingress();
  elsewhere["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "frontend";
  auto writes = router_for("nginx")->apply(canary, split(0), Observed{{elsewhere}});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message ==
        "Ingress podinfo.test: no backend points at the apex Service podinfo; set "
        "spec.rules[].http.paths[].backend.service.name to podinfo");
  auto missing = router_for("nginx")->apply(canary, split(0), {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == RouterError::Kind::not_found);
}

TEST_CASE("nginx A/B turns header and cookie matches into canary-by annotations") {
  auto canary = testing::podinfo_canary();
  canary.ingress_name = "podinfo";
  canary.analysis_match = json::parse(R"([{"headers": {"x-canary": {"regex": "^(insider|beta)$"}}},
                                          {"headers": {"cookie": {"exact": "canary"}}}])");
  auto router = router_for("nginx");
  Observed observed{{testing::podinfo_ingress()}};
  auto writes = router->apply(canary, split(100), observed);
  REQUIRE(writes.ok());
  const auto& a = writes->front().object["metadata"]["annotations"];
  CHECK(a["nginx.ingress.kubernetes.io/canary-by-header"] == "x-canary");
  CHECK(a["nginx.ingress.kubernetes.io/canary-by-header-pattern"] == "^(insider|beta)$");
  CHECK(a["nginx.ingress.kubernetes.io/canary-by-cookie"] == "canary");
  CHECK(a["nginx.ingress.kubernetes.io/canary-weight"] == "0");
  // Back to idle: the header annotations go away again.
  observed.objects.push_back(writes->front().object);
  auto idle = router->apply(canary, split(0), observed);
  REQUIRE(idle.ok());
  CHECK(idle->front().action == Write::Action::update);
  CHECK_FALSE(idle->front().object["metadata"]["annotations"].contains(
      "nginx.ingress.kubernetes.io/canary-by-header"));
  auto two_headers = canary;
  two_headers.analysis_match = json::parse(R"([{"headers": {"x-a": {"exact": "1"}}},
                                               {"headers": {"x-b": {"exact": "2"}}}])");
  auto refused = router->apply(two_headers, split(100), observed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("one header and one cookie only") != std::string::npos);
  CHECK(refused.error().message.find("spec.analysis.match[1].headers.x-b") != std::string::npos);
  auto finalized = router->finalize(canary, testing::after(observed, idle.value()));
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK(finalized->front().action == Write::Action::remove);
  CHECK(finalized->front().object["metadata"]["name"] == "podinfo-canary");
}

TEST_CASE("smi refuses what TrafficSplit cannot express") {
  auto canary = testing::podinfo_canary();
  canary.analysis_match = json::parse(R"([{"headers": {"x-canary": {"exact": "1"}}}])");
  auto writes = router_for("smi:v1alpha2")->apply(canary, split(100), {});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message.find("spec.analysis.match") != std::string::npos);
  Routes mirrored = split(0);
  mirrored.mirror = true;
  writes = router_for("linkerd")->apply(testing::podinfo_canary(), mirrored, {});
  REQUIRE_FALSE(writes.ok());
  CHECK(writes.error().message.find("mirror") != std::string::npos);
}

TEST_CASE("services: an existing apex Service is adopted without taking it over") {
  auto canary = testing::podinfo_canary();
  const json user_svc = json::parse(R"({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "podinfo", "namespace": "test", "labels": {"team": "a"}},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.12", "selector": {"app": "podinfo"},
             "ports": [{"name": "http", "port": 9898, "protocol": "TCP", "targetPort": "http"}]}})");
  auto writes = apply_services(canary, Observed{{user_svc}});
  REQUIRE(writes.ok());
  REQUIRE(writes->size() == 3);
  const auto& apex = writes->at(0);
  CHECK(apex.action == Write::Action::update);
  CHECK(apex.object["spec"]["selector"] == json{{"app", "podinfo-primary"}});
  CHECK(apex.object["spec"]["clusterIP"] == "10.96.0.12");
  CHECK(apex.object["metadata"]["labels"] == json{{"team", "a"}});
  CHECK_FALSE(apex.object["metadata"].contains("ownerReferences"));
  CHECK(writes->at(1).object["spec"]["selector"] == json{{"app", "podinfo-primary"}});
  CHECK(writes->at(2).object["spec"]["selector"] == json{{"app", "podinfo"}});

  auto finalized = finalize_services(canary, Observed{{apex.object}});
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  CHECK(finalized->front().object["spec"] == user_svc["spec"]);
}

TEST_CASE("services: finalize points a generated apex Service back at the target's pods") {
  auto canary = testing::podinfo_canary();
  auto writes = apply_services(canary, {});
  REQUIRE(writes.ok());
  auto finalized = finalize_services(canary, Observed{{writes->at(0).object}});
  REQUIRE(finalized.ok());
  REQUIRE(finalized->size() == 1);
  const auto& apex = finalized->front();
  CHECK(apex.action == Write::Action::update);
  CHECK(apex.object["spec"]["selector"] == json{{"app", "podinfo"}});
  CHECK_FALSE(apex.object["metadata"].contains("ownerReferences"));
  auto bad = testing::podinfo_canary();
  bad.port = 0;
  auto refused = apply_services(bad, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.service.port") != std::string::npos);
}

}  // namespace
}  // namespace veer::meshes

namespace veer::meshes {

// Flagger reads maxAge 0 as unset (a day); Max-Age=0 would make browsers drop the cookie at once.
TEST_CASE("a session cookie never gets Max-Age=0") {
  SessionAffinity affinity;
  affinity.cookie_name = "c";
  affinity.max_age = 0;
  CHECK(set_cookie_value(affinity, "c=abc") == "c=abc; Max-Age=86400");
  affinity.max_age = 60;
  CHECK(set_cookie_value(affinity, "c=abc") == "c=abc; Max-Age=60");
}

}  // namespace veer::meshes

namespace veer::meshes {

// Flagger's spec.service.headless and trafficDistribution, on the Services veer creates.
TEST_CASE("services: headless and trafficDistribution are rendered, clusterIP only on creation") {
  auto canary = testing::podinfo_canary();
  canary.headless = true;
  canary.traffic_distribution = "PreferClose";
  auto writes = apply_services(canary, {});
  REQUIRE(writes.ok());
  REQUIRE(writes->size() == 3);
  for (const auto& w : writes.value()) {
    CAPTURE(w.object.dump());
    CHECK(w.object["spec"]["clusterIP"] == "None");
    CHECK(w.object["spec"]["trafficDistribution"] == "PreferClose");
  }
  // An existing Service with a cluster IP keeps it (immutable); trafficDistribution follows
  // the Canary and goes when it is removed.
  auto existing = writes->at(1).object;
  existing["spec"]["clusterIP"] = "10.0.0.9";
  auto plain = testing::podinfo_canary();
  auto again = apply_services(plain, Observed{{existing}});
  REQUIRE(again.ok());
  const auto& primary = again->at(1);
  CHECK(primary.action == Write::Action::update);
  CHECK(primary.object["spec"]["clusterIP"] == "10.0.0.9");
  CHECK_FALSE(primary.object["spec"].contains("trafficDistribution"));
}

}  // namespace veer::meshes

namespace veer::meshes {

TEST_CASE("gateway api refuses a CORS origin it cannot express and keys it has no place for") {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  canary.cors_policy = json::parse(R"({"allowOrigins": [{"regex": ".*\\.example\\.com"}]})");
  auto router = make_router("gatewayapi").value();
  auto refused = router->apply(canary, testing::weights(0), {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.service.corsPolicy.allowOrigins[0]") !=
        std::string::npos);
  canary.cors_policy = json::parse(R"({"unmatchedPreflights": "IGNORE"})");
  refused = router->apply(canary, testing::weights(0), {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("spec.service.corsPolicy.unmatchedPreflights") !=
        std::string::npos);
}

}  // namespace veer::meshes
