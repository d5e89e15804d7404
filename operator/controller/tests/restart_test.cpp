// Kill-and-restart at every step (docs/architecture.md: every pass may be the first of a new
// process): for each strategy, a whole rollout (initialization, a new revision, promotion) where
// every pass is a freshly started operator, and runs where every reconcile dies at its k-th API
// write, for every k. All end where the undisturbed run ends.
#include <doctest/doctest.h>

#include <algorithm>
#include <ostream>

#include "operator/controller/tests/support/dying_cluster.hpp"
#include "operator/controller/tests/support/killed_rollout.hpp"
#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;

namespace {

struct Strategy {
  std::string name;
  json canary;
};

std::vector<Strategy> strategies() {
  auto canary = simulation::canary("default", "podinfo", "istio");
  auto iterations = [&] {
    auto c = canary;
    c["spec"]["analysis"].erase("maxWeight");
    c["spec"]["analysis"].erase("stepWeight");
    c["spec"]["analysis"]["iterations"] = 3;
    return c;
  };
  auto ab = iterations();
  ab["spec"]["analysis"]["match"] =
      json::array({{{"headers", {{"x-canary", {{"exact", "insider"}}}}}}});
  auto bg = iterations();
  bg["spec"]["analysis"]["mirror"] = true;
  return {{"canary", canary}, {"A/B", ab}, {"blue/green", bg}};
}

// What a finished rollout leaves behind.
struct EndState {
  std::string phase;
  std::string primary_image;
  int canary_weight = -1;  // in the VirtualService
  json target_replicas;
  std::string last_promoted;
  bool operator==(const EndState&) const = default;
  friend std::ostream& operator<<(std::ostream& out, const EndState& s) {
    return out << s.phase << " primary=" << s.primary_image << " weight=" << s.canary_weight
               << " target-replicas=" << s.target_replicas.dump()
               << " promoted=" << s.last_promoted;
  }
};

EndState end_state(Rollout& r) {
  auto status = r.canary()["status"];
  return {status.value("phase", ""), simulation::image_of(r.primary()),
          istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")),
          r.target()["spec"]["replicas"], status.value("lastPromotedSpec", "")};
}

// Initialization, then a new revision rolled out to the end (run_killed). Returns the most writes
// one reconcile made.
int run(Rollout& r, int die_at, const std::string& image = "podinfo:6.0.1") {
  // One more pass once Initialized, so the target is scaled down first.
  return run_killed(r, die_at, {[&](Rollout& rollout) { rollout.set_image(image); }, 1});
}

}  // namespace

TEST_CASE("kill and restart at every pass and at every write reach the same end, per strategy") {
  for (const auto& strategy : strategies()) {
    CAPTURE(strategy.name);
    Rollout clean("istio", strategy.canary);
    const int most_writes = run(clean, 0);
    const auto expected = end_state(clean);
    REQUIRE(expected.phase == "Succeeded");
    CHECK(expected.primary_image == "podinfo:6.0.1");
    CHECK(expected.canary_weight <= 0);  // no canary traffic (-1: no canary route at all)
    CHECK(expected.target_replicas == 0);
    const auto clean_events = clean.events().size();
    REQUIRE(most_writes > 3);

    for (int k = 1; k <= most_writes; ++k) {
      CAPTURE(k);
      Rollout r("istio", strategy.canary);
      run(r, k);
      CAPTURE(r.last_error);
      CHECK(end_state(r) == expected);
      // Events are written after the status, so a death loses some and repeats none.
      CHECK(r.events().size() <= clean_events + 2);
    }
  }
}

TEST_CASE("kill and restart at every write in the middle of a hold on missing data") {
  // The new revision's first two analyses find no data: the rollout holds, keeping its hold
  // budget in the status, then continues; every death lands somewhere in or around that hold.
  const auto canary = strategies()[0].canary;
  const std::string image = "podinfo:6.0.1-nodata";
  Rollout clean("istio", canary);
  const int most_writes = run(clean, 0, image);
  const auto expected = end_state(clean);
  REQUIRE(expected.phase == "Succeeded");
  CHECK(expected.primary_image == image);
  bool held = false;
  for (const auto& e : clean.events())
    held |= e.value("message", "").find("holding: no data") != std::string::npos;
  CHECK(held);
  for (int k = 1; k <= most_writes; ++k) {
    CAPTURE(k);
    Rollout r("istio", canary);
    run(r, k, image);
    CAPTURE(r.last_error);
    CHECK(end_state(r) == expected);
  }
}

// Adoption without downtime (Flagger's order): an existing apex Service keeps selecting the
// target's pods, and no VirtualService captures its host, until the primary is ready. Every pass
// is a restarted operator, so the wait holds across restarts.
TEST_CASE("the apex Service and the routes move to the primary only once it is ready") {
  Rollout r("istio");
  json apex = {{"apiVersion", "v1"},
               {"kind", "Service"},
               {"metadata", {{"name", "podinfo"}, {"namespace", "default"}}},
               {"spec",
                {{"type", "ClusterIP"},
                 {"selector", {{"app", "podinfo"}}},
                 {"ports", {{{"name", "http"}, {"port", 9898}, {"targetPort", 9898}}}}}}};
  REQUIRE(r.cluster.create(apex));
  r.unready = {"podinfo-primary"};
  for (int i = 0; i < 4; ++i) {
    r.pass();
    CAPTURE(i);
    CHECK(r.phase() == "Initializing");
    REQUIRE_FALSE(r.primary().is_null());
    CHECK(r.get("v1", "Service", "podinfo")["spec"]["selector"]["app"] == "podinfo");
    CHECK(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo").is_null());
    CHECK(r.target()["spec"]["replicas"] != 0);
  }
  r.unready.clear();
  r.until("Initialized");
  CHECK(r.get("v1", "Service", "podinfo")["spec"]["selector"]["app"] == "podinfo-primary");
  CHECK(istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) ==
        0);
}

// Initialized tells readers (kubectl wait, GitOps health checks, the e2e tests) that the apex and
// the routes point at the primary, so the pass that first writes it makes those writes first. An
// operator killed at any write of that pass leaves either Initializing, or Initialized with the
// routes in place; never Initialized without them.
TEST_CASE("Initialized is never written before the routes it announces, at any killed write") {
  for (int k = 1; k <= 8; ++k) {
    CAPTURE(k);
    Rollout r("istio");
    r.unready = {"podinfo-primary"};
    r.pass();
    REQUIRE(r.phase() == "Initializing");
    r.unready.clear();
    DyingCluster dying(r.cluster);
    r.api = &dying;
    dying.start(k);
    r.pass();
    if (r.phase() == "Initialized") {
      CHECK(r.get("v1", "Service", "podinfo")["spec"]["selector"]["app"] == "podinfo-primary");
      CHECK(istio_canary_weight(
                r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) == 0);
    } else {
      CHECK(r.phase() == "Initializing");
    }
    dying.start(0);  // the restarted operator finishes the initialization
    r.until("Initialized");
    CHECK(istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) ==
          0);
  }
}

// Succeeded and Failed tell readers that no request reaches the canary any more (all traffic on
// the primary, the canary scaled down), so the pass that first writes either makes those writes
// first. An operator killed at any write of that pass leaves the phase before, or the end with
// the routes and the scale-down in place; never the end while the canary still gets traffic.
TEST_CASE("Succeeded and Failed are never written before the routes they announce, at any kill") {
  struct End {
    const char* image;
    const char* phase;
  };
  for (const End end : {End{"podinfo:6.0.1", "Succeeded"}, End{"podinfo:6.0.1-bad", "Failed"}}) {
    CAPTURE(end.phase);
    const auto start = [&](Rollout& r) {
      r.until("Initialized");
      r.pass();  // the kubelet stand-in reports the scale-down
      r.set_image(end.image);
    };
    const auto canary_weight = [](Rollout& r) {
      return istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo"));
    };
    Rollout clean("istio");
    start(clean);
    int passes_to_end = 0;
    while (clean.phase() != end.phase && passes_to_end < 60) {
      clean.pass();
      ++passes_to_end;
    }
    REQUIRE(clean.phase() == end.phase);
    for (int k = 1; k <= 6; ++k) {
      CAPTURE(k);
      Rollout r("istio");
      start(r);
      for (int i = 1; i < passes_to_end; ++i) r.pass();
      REQUIRE(r.phase() != end.phase);
      REQUIRE(canary_weight(r) > 0);  // the pass before the end still sends the canary requests
      DyingCluster dying(r.cluster);
      r.api = &dying;
      dying.start(k);
      r.pass();
      if (r.phase() == end.phase) {
        CHECK(canary_weight(r) <= 0);
        CHECK(r.target()["spec"]["replicas"] == 0);
      }
      dying.start(0);  // the restarted operator finishes the run
      r.pass();
      r.until(end.phase);
      CHECK(canary_weight(r) <= 0);
      CHECK(r.target()["spec"]["replicas"] == 0);
    }
  }
}
