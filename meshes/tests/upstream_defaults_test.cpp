// Objects are rendered as the API server stores them: with the defaults of the router's own
// upstream CRD (read from its openAPIV3Schema) and nothing it prunes, so that comparing what
// veer renders with what the cluster holds finds no difference and nothing is rewritten on
// every reconcile. Services of type NodePort or LoadBalancer keep what the server assigned.
#include <cstdlib>
#include <filesystem>

#include <doctest/doctest.h>

#include "meshes/drift.hpp"
#include "meshes/router.hpp"
#include "meshes/services.hpp"
#include "support/crd_schema.hpp"
#include "support/scenarios.hpp"
#include "testing/skip.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

const testing::CrdSchemas& schemas() {
  static const auto loaded = testing::CrdSchemas::load(testing::upstream_crds_dir());
  return loaded;
}

// The fixtures live beside the repository, not in it (they are other projects' files): a clone
// without them skips, but a directory named by VEER_UPSTREAM_CRDS must be there.
bool skipped_without_crds() {
  const char* named = std::getenv("VEER_UPSTREAM_CRDS");
  if ((named && *named) || std::filesystem::is_directory(testing::upstream_crds_dir()))
    return false;
  veer::testing::skip_test("no upstream CRDs in " + testing::upstream_crds_dir() +
                           "; set VEER_UPSTREAM_CRDS to the folder of the upstream router CRDs");
  return true;
}

// The objects as the API server keeps them.
Observed stored_by_server(Observed observed) {
  for (auto& object : observed.objects) object = schemas().stored(object);
  return observed;
}

std::vector<Write> render_routes(const testing::Scenario& s, const Observed& observed) {
  auto router = make_router(s.provider);
  REQUIRE(router.ok());
  auto writes = router.value()->apply(s.canary, s.routes, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return writes.value();
}

}  // namespace

TEST_CASE("every object a router renders is already as its upstream CRD stores it") {
  if (skipped_without_crds()) return;
  REQUIRE_MESSAGE(schemas().size() > 10, "no upstream CRDs in " << testing::upstream_crds_dir()
                                                                << " (VEER_UPSTREAM_CRDS)");
  int checked = 0;
  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    const Observed stored = stored_by_server(s.observed);
    auto writes = render_routes(s, stored);
    for (const auto& w : writes) {
      if (!schemas().covers(w.object)) continue;
      ++checked;
      const auto kept = schemas().stored(w.object);
      CHECK_MESSAGE(kept == w.object, w.object.value("kind", "")
                                          << ": the server would change (RFC 6902) "
                                          << json::diff(w.object, kept).dump());
    }
    // What the server keeps, rendered again: no write.
    for (const auto& again : render_routes(s, stored_by_server(testing::after(stored, writes)))) {
      CAPTURE(again.object.dump());
      CHECK(again.action == Write::Action::unchanged);
    }
  }
  CHECK(checked > 20);
}

// The drift stamp hashes what veer sent; the server's defaults must not change that hash, or
// veer's next step would be reported as someone else's edit.
TEST_CASE("the server's defaults and pruning never read as drift") {
  if (skipped_without_crds()) return;
  int checked = 0;
  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    const Observed stored = stored_by_server(s.observed);
    auto writes = render_routes(s, stored);
    stamp_applied(writes);
    const Observed kept = stored_by_server(testing::after(stored, writes));
    // Another weight: an update of every router object, never drift.
    auto next = s.routes;
    next.canary_weight = next.canary_weight == 100 ? 0 : 100;
    next.primary_weight = 100 - next.canary_weight;
    next.mirror = false;
    next.mirror_percentage.reset();
    auto router = make_router(s.provider);
    auto again = router.value()->apply(s.canary, next, kept);
    if (!again.ok()) continue;  // a session scenario needs a cookie at weight 100
    for (const auto& w : again.value()) {
      const json* live = kept.find({w.object.value("apiVersion", ""), w.object.value("kind", ""),
                                    w.object.value("/metadata/name"_json_pointer, std::string())});
      if (live == nullptr || !schemas().covers(*live)) continue;
      ++checked;
      CHECK_MESSAGE(!drift_of(w, *live).has_value(), w.object.value("kind", ""));
    }
  }
  CHECK(checked > 20);
}

TEST_CASE("an HTTPRoute with every field veer copies from the Canary is stored unchanged") {
  if (skipped_without_crds()) return;
  auto canary = testing::podinfo_canary();
  canary.gateway_refs = json::parse(R"([{"name": "gateway"}, {"group": "", "kind": "Service",
                                         "name": "podinfo", "port": 9898}])");
  canary.match = json::parse(R"([{"headers": {"x-tenant": {"exact": "a"}}},
                                 {"method": {"exact": "GET"}, "queryParams": {"q": {"regex": "."}}}])");
  canary.analysis_match = json::parse(R"([{"headers": {"x-canary": {"exact": "1"}}}])");
  canary.iterations = 3;
  canary.mirror_filters = json::parse(R"([{"backendRef": {"name": "shadow", "port": 80}},
                                          {"backendRef": {"name": "shadow2", "port": 80},
                                           "fraction": {"numerator": 5}}])");
  canary.headers = json::parse(R"({"request": {"set": {"x-a": "1"}}})");
  for (const char* provider : {"gatewayapi", "gatewayapi:v1beta1"}) {
    CAPTURE(std::string(provider));
    auto writes = make_router(provider).value()->apply(canary, testing::weights(100), {});
    REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
    const auto& route = writes->front().object;
    REQUIRE(schemas().covers(route));
    const auto kept = schemas().stored(route);
    CHECK_MESSAGE(kept == route,
                  "the server would change (RFC 6902) " << json::diff(route, kept).dump());
  }
}

TEST_CASE("an adopted NodePort or LoadBalancer apex Service keeps what the server assigned") {
  const auto canary = testing::podinfo_canary();
  for (const char* type : {"NodePort", "LoadBalancer"}) {
    CAPTURE(std::string(type));
    json apex = {{"apiVersion", "v1"},
                 {"kind", "Service"},
                 {"metadata", {{"name", "podinfo"}, {"namespace", "test"}}},
                 {"spec",
                  {{"type", type},
                   {"clusterIP", "10.0.0.7"},
                   {"externalTrafficPolicy", "Cluster"},
                   {"selector", {{"app", "podinfo"}}},
                   {"ports",
                    {{{"name", "http"},
                      {"port", 9898},
                      {"protocol", "TCP"},
                      {"targetPort", "http"},
                      {"nodePort", 31234}}}}}}};
    auto writes = apply_services(canary, Observed{{apex}});
    REQUIRE(writes.ok());
    const auto& written = writes->front().object;
    CHECK(written["spec"]["type"] == type);
    CHECK(written["spec"]["clusterIP"] == "10.0.0.7");
    CHECK(written["spec"]["ports"][0]["nodePort"] == 31234);
    CHECK(written["spec"]["selector"]["app"] == "podinfo-primary");
    // The server keeps the node port it assigned; the next reconcile writes nothing.
    auto stored = written;
    stored["spec"]["ports"][0]["nodePort"] = 31234;
    auto again = apply_services(canary, Observed{{stored}});
    REQUIRE(again.ok());
    CHECK(again->front().action == Write::Action::unchanged);
  }
}

}  // namespace veer::meshes
