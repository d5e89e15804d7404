// The bridge from a parsed veer::model::Canary to what routers need.
#include <doctest/doctest.h>

#include "meshes/from_canary.hpp"
#include "meshes/router.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

TEST_CASE("a parsed Canary drives the router it names") {
  const json document = json::parse(R"({
    "apiVersion": "veer.dev/v1beta1", "kind": "Canary",
    "metadata": {"name": "podinfo", "namespace": "test", "uid": "u-1"},
    "spec": {
      "provider": "istio",
      "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
      "service": {"port": 9898, "targetPort": "http", "hosts": ["app.example.com"],
                  "gateways": ["public-gateway"],
                  "apex": {"labels": {"tier": "web"}}},
      "analysis": {"interval": "1m", "iterations": 5, "mirror": true, "mirrorWeight": 20,
                   "threshold": 1,
                   "sessionAffinity": {"cookieName": "c", "maxAge": 60,
                                       "primaryCookieName": "p"}}},
    "status": {"sessionAffinityCookie": "c=abc"}})");
  auto parsed = model::parse_canary(document);
  std::string problems;
  for (const auto& error : parsed.errors) problems += model::to_string(error) + "; ";
  REQUIRE_MESSAGE(parsed.ok(), problems);
  const auto routing = routing_of(parsed.value, "app.kubernetes.io/name", "podinfo");
  CHECK(routing.uid == "u-1");
  CHECK(routing.apex_name() == "podinfo");
  CHECK(routing.target_port == "http");
  CHECK(routing.gateways == std::vector<std::string>{"public-gateway"});
  CHECK_FALSE(routing.ab_testing());
  CHECK(routing.iterations == 5);
  REQUIRE(routing.session_affinity);
  CHECK(routing.session_affinity->max_age == 60);
  CHECK(routing.session_affinity->primary_cookie_name == "p");
  CHECK(routing.session_affinity->primary_max_age == 60);  // the interval, 1m
  REQUIRE(routing.apex_metadata);
  CHECK(routing.apex_metadata->labels.at("tier") == "web");

  const auto routes = routes_of(parsed.value, 0, true);
  CHECK(routes.primary_weight == 100);
  CHECK(routes.mirror_percentage == 20);
  CHECK(routes.session_cookie == "c=abc");

  auto router = make_router(parsed.value.spec.provider);
  REQUIRE(router.ok());
  auto writes = router.value()->apply(routing, routes, {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const auto& vs = writes->back().object;
  CHECK(vs["kind"] == "VirtualService");
  CHECK(vs["metadata"]["labels"]["tier"] == "web");
  CHECK(vs["spec"]["hosts"] == json::array({"app.example.com", "podinfo"}));
  CHECK(vs["spec"]["http"][0]["mirrorPercentage"]["value"] == 20);
}

// GAMMA: a route attached to a Service names the core group as "" (Gateway API's spelling);
// an explicit "" is kept, and a parent without a group gets the API server's default.
TEST_CASE("gatewayRefs keep an explicit empty group and default a missing one") {
  const json document = json::parse(R"({
    "apiVersion": "veer.dev/v1beta1", "kind": "Canary",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {
      "provider": "gatewayapi:v1",
      "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
      "service": {"port": 9898, "gatewayRefs": [
        {"group": "", "kind": "Service", "name": "podinfo", "port": 9898},
        {"name": "public", "namespace": "gateways"}]},
      "analysis": {"interval": "1m", "iterations": 5, "threshold": 1}}})");
  auto parsed = model::parse_canary(document);
  REQUIRE(parsed.ok());
  const auto routing = routing_of(parsed.value, "app", "podinfo");
  auto writes =
      make_router("gatewayapi:v1").value()->apply(routing, routes_of(parsed.value, 0, false), {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  const auto& parents = writes->front().object["spec"]["parentRefs"];
  CHECK(parents[0] == json::parse(R"({"group": "", "kind": "Service", "name": "podinfo",
                                      "port": 9898})"));
  CHECK(parents[1] == json::parse(R"({"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                      "name": "public", "namespace": "gateways"})"));
}

TEST_CASE("session cookies are 10 letters, stable for a seed and different across seeds") {
  const auto cookie = make_session_cookie("veer", 7);
  CHECK(cookie.size() == std::string("veer=").size() + 10);
  CHECK(cookie.rfind("veer=", 0) == 0);
  CHECK(cookie == make_session_cookie("veer", 7));
  CHECK(cookie != make_session_cookie("veer", 8));
}

}  // namespace
}  // namespace veer::meshes

TEST_CASE("validation accepts exactly the providers a router exists for") {
  for (const auto& provider : veer::model::known_providers()) {
    CAPTURE(provider);
    CHECK(veer::model::provider_supported_by_veer(provider) ==
          veer::meshes::make_router(provider).ok());
  }
  for (const auto& provider : veer::meshes::known_providers()) {
    CAPTURE(provider);
    CHECK(veer::model::provider_supported_by_veer(provider));
  }
}
