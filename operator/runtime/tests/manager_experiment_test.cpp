// The runtime reconciles Experiments too: watched, queued beside Canaries, each look requeued by
// its own pass, through watch events and requeues alone.
#include <doctest/doctest.h>

#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/simulated_driver.hpp"
#include "operator/runtime/tests/support/stop_on_exit.hpp"
#include "operator/runtime/tests/support/world.hpp"

using namespace veer;
using namespace std::chrono_literals;
using nlohmann::json;
namespace sim = veer::controller::simulation;
namespace ax = veer::analysis::experiment;

namespace {

// Every version converts 5% of an even share of 1,000 requests per look: no winner.
struct EvenTraffic final : controller::experiment::ExperimentMetrics {
  std::atomic<int> calls{0};
  base::Outcome<std::vector<ax::VersionCounts>> measure(const model::Experiment& e,
                                                        double) override {
    ++calls;
    std::vector<ax::VersionCounts> out;
    for (const auto& v : e.status.versions) {
      const auto n = static_cast<std::uint64_t>(10 * v.weight);
      out.push_back({v.name, n, {{"conversion-rate", {n / 20, n}}}});
    }
    return out;
  }
};

using veer::runtime::testing::StopOnExit;

json experiment_json() {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{{"name", name}, {"targetRef", {{"kind", "Deployment"}, {"name", deployment}}}};
  };
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Experiment"},
          {"metadata", {{"name", "redesign"}, {"namespace", "shop"}}},
          {"spec",
           {{"provider", "istio"},
            {"service", {{"name", "checkout"}, {"port", 8080}}},
            {"baseline", version("current", "checkout")},
            {"candidates", {version("next", "checkout-next")}},
            {"metrics", {{{"name", "conversion-rate"}, {"query", "conversions"}}}},
            {"criteria", {{"rewards", {{{"metric", "conversion-rate"}, {"preferred", "high"}}}}}},
            {"strategy", {{"testingPattern", "ab"}, {"traffic", "uniform"}}},
            {"duration", {{"interval", "1m"}, {"iterations", 3}}}}}};
}

}  // namespace

TEST_CASE("the runtime runs an Experiment to its end") {
  runtime::testing::World w;
  w.cluster.add_type({controller::experiment::experiment_type(), true, true});
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(sim::deployment("shop", "checkout", "checkout:1")));
  REQUIRE(w.cluster.create(sim::deployment("shop", "checkout-next", "checkout:2")));
  REQUIRE(w.cluster.create(experiment_json()));
  runtime::Manager m(w.cluster, w.clock, runtime::testing::simulated_settings());
  sim::ApprovingHooks hooks;
  sim::ImageMetrics metrics(m.cache());
  sim::RecordingAlerts alerts;
  EvenTraffic traffic;
  StopOnExit stop_on_exit{m};
  m.start({hooks, metrics, alerts, &traffic});
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto phase = [&] {
    return w.get("veer.dev/v1beta1", "Experiment", "shop", "redesign")
        .value("status", json::object())
        .value("phase", "");
  };
  auto routed = [&] {
    auto vs = w.get("networking.istio.io/v1beta1", "VirtualService", "shop", "checkout");
    return vs.contains("spec") ? vs["spec"]["http"][0]["route"] : json::array();
  };
  // Ended, and the pass that ended it (on a worker thread) has routed everything back.
  const bool ended = driver.run_until(
      [&] { return phase() == "Failed" && routed().size() == 2 && routed()[0]["weight"] == 100; },
      30min, [&] { w.kubelet("shop"); });
  CAPTURE(w.get("veer.dev/v1beta1", "Experiment", "shop", "redesign").dump());
  REQUIRE(ended);
  CHECK(traffic.calls == 3);
  CHECK(routed()[0]["destination"]["host"] == "checkout-current");
  CHECK(routed()[1]["weight"] == 0);
}
