// A/B matches a router cannot express are errors naming the field and the router; nothing is
// dropped or collapsed into the service match, which would send every request to the canary.
#include <doctest/doctest.h>

#include "meshes/router.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

// The routing object (not a Service) of an A/B step sending the matched requests to the canary.
Expected<json> ab_object(const std::string& provider, const json& analysis_match,
                         const json& service_match = nullptr) {
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}])");
  canary.ingress_name = "podinfo";
  canary.iterations = 3;
  canary.analysis_match = analysis_match;
  canary.match = service_match;
  auto router = make_router(provider);
  REQUIRE(router.ok());
  Observed observed{{testing::podinfo_ingress()}};
  auto writes = router.value()->apply(canary, testing::weights(100), observed);
  if (!writes) return writes.error();
  for (const auto& w : writes.value()) {
    const auto kind = w.object.value("kind", "");
    if (kind == "VirtualService" || kind == "HTTPRoute" || kind == "Ingress") return w.object;
  }
  FAIL("no routing object written for " << provider);
  throw 0;
}

void check_refused(const Expected<json>& result, const std::string& field,
                   const std::string& provider) {
  REQUIRE_FALSE(result.ok());
  CAPTURE(result.error().message);
  CHECK(result.error().kind == RouterError::Kind::invalid);
  CHECK(result.error().message.find(field) != std::string::npos);
  CHECK(result.error().message.find("provider " + provider) != std::string::npos);
}

}  // namespace

TEST_CASE("gateway api refuses A/B and service matches an HTTPRoute cannot express") {
  for (const char* key : {"sourceLabels", "withoutHeaders", "scheme", "authority", "port"}) {
    CAPTURE(key);
    json value = std::string(key) == "port" ? json(80) : json::object();
    if (std::string(key) == "sourceLabels") value = {{"app", "tester"}};
    if (std::string(key) == "withoutHeaders") value = {{"x-b", {{"exact", "1"}}}};
    if (std::string(key) == "scheme" || std::string(key) == "authority")
      value = {{"exact", "https"}};
    json match = json::array({{{key, value}}});
    check_refused(ab_object("gatewayapi", match), std::string("spec.analysis.match[0].") + key,
                  "gatewayapi");
    check_refused(ab_object("gatewayapi:v1beta1", nullptr, match),
                  std::string("spec.service.match[0].") + key, "gatewayapi:v1beta1");
  }
}

TEST_CASE("gateway api ANDs an A/B path with the service match instead of dropping it") {
  auto route = ab_object("gatewayapi", json::parse(R"([{"uri": {"prefix": "/beta"}}])"));
  REQUIRE_MESSAGE(route.ok(), testing::why(route));
  const auto& rules = route.value()["spec"]["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["matches"] ==
        json::parse(R"([{"path": {"type": "PathPrefix", "value": "/beta"}}])"));
  CHECK(rules[1]["matches"] == json::parse(R"([{"path": {"type": "PathPrefix", "value": "/"}}])"));

  // A header of the service match and a header of the analysis match: both must hold.
  route = ab_object("gatewayapi", json::parse(R"([{"headers": {"x-canary": {"exact": "1"}}}])"),
                    json::parse(R"([{"headers": {"x-tenant": {"exact": "a"}}}])"));
  REQUIRE_MESSAGE(route.ok(), testing::why(route));
  CHECK(route.value()["spec"]["rules"][0]["matches"][0]["headers"].size() == 2);

  // The same condition set two ways cannot be one match.
  route = ab_object("gatewayapi", json::parse(R"([{"uri": {"prefix": "/beta"}}])"),
                    json::parse(R"([{"uri": {"prefix": "/api"}}])"));
  check_refused(route, "spec.analysis.match[0].path", "gatewayapi");
}

TEST_CASE("istio ANDs every analysis condition with the service match") {
  auto vs = ab_object("istio", json::parse(R"([{"uri": {"prefix": "/beta"}},
                                               {"sourceLabels": {"app": "tester"}}])"),
                      json::parse(R"([{"headers": {"x-tenant": {"exact": "a"}}}])"));
  REQUIRE_MESSAGE(vs.ok(), testing::why(vs));
  CHECK(vs.value()["spec"]["http"][0]["match"] == json::parse(R"([
    {"headers": {"x-tenant": {"exact": "a"}}, "uri": {"prefix": "/beta"}},
    {"headers": {"x-tenant": {"exact": "a"}}, "sourceLabels": {"app": "tester"}}])"));
  CHECK(vs.value()["spec"]["http"][1]["match"] ==
        json::parse(R"([{"headers": {"x-tenant": {"exact": "a"}}}])"));

  auto conflict = ab_object("istio", json::parse(R"([{"headers": {"x-tenant": {"exact": "b"}}}])"),
                            json::parse(R"([{"headers": {"x-tenant": {"exact": "a"}}}])"));
  check_refused(conflict, "spec.analysis.match[0].headers", "istio");
}

TEST_CASE("nginx refuses what canary-by annotations cannot express and never writes them empty") {
  check_refused(ab_object("nginx", json::parse(R"([{"uri": {"prefix": "/beta"}}])")),
                "spec.analysis.match[0].uri", "nginx");
  check_refused(ab_object("nginx", json::parse(R"([{"headers": {"cookie": {"regex": "^c.*"}}}])")),
                "spec.analysis.match[0].headers.cookie", "nginx");
  check_refused(ab_object("nginx", json::parse(R"([{"headers": {"x-canary": {"exact": "1"}}},
                                                   {"headers": {"x-canary": {"exact": "2"}}}])")),
                "spec.analysis.match[1].headers.x-canary", "nginx");

  // A prefix becomes an anchored pattern, not a header name without a value.
  auto ingress =
      ab_object("nginx", json::parse(R"([{"headers": {"x-canary": {"prefix": "be.ta"}}}])"));
  REQUIRE_MESSAGE(ingress.ok(), testing::why(ingress));
  const auto& a = ingress.value()["metadata"]["annotations"];
  CHECK(a["nginx.ingress.kubernetes.io/canary-by-header"] == "x-canary");
  CHECK(a["nginx.ingress.kubernetes.io/canary-by-header-pattern"] == "^be\\.ta.*");
  CHECK_FALSE(a.contains("nginx.ingress.kubernetes.io/canary-by-header-value"));
  CHECK_FALSE(a.contains("nginx.ingress.kubernetes.io/canary-by-cookie"));
}

}  // namespace veer::meshes
