// The whole runtime (informers, queue, workers, cached reads) on the in-memory cluster with the
// simulated workloads and metrics, under a simulated clock: Canaries reach their end states
// through watch events and requeues alone, and an idle operator costs the API server nothing.
#include <doctest/doctest.h>

#include <atomic>
#include <sstream>

#include "http/client.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/simulated_driver.hpp"
#include "operator/runtime/tests/support/stop_on_exit.hpp"
#include "operator/runtime/tests/support/world.hpp"
#include "operator/server/status_server.hpp"

using namespace veer;
using namespace std::chrono_literals;
namespace sim = veer::controller::simulation;

namespace {

struct Fakes {
  sim::ApprovingHooks hooks;
  std::unique_ptr<sim::ImageMetrics> metrics;
  sim::RecordingAlerts alerts;
  explicit Fakes(runtime::Manager& m) : metrics(std::make_unique<sim::ImageMetrics>(m.cache())) {}
  runtime::Collaborators collaborators() { return {hooks, *metrics, alerts}; }
};

// Stops a Manager before the fakes its workers use are destroyed (also when a REQUIRE throws).
using veer::runtime::testing::StopOnExit;

}  // namespace

TEST_CASE("the runtime takes a Canary to Succeeded and a bad revision to Failed") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "podinfo");
  std::ostringstream logs;
  runtime::Logger logger(logs, runtime::LogFormat::json, runtime::LogLevel::info);
  auto settings = runtime::testing::simulated_settings();
  settings.logger = &logger;
  runtime::Manager m(w.cluster, w.clock, settings);
  REQUIRE(m.check().empty());
  Fakes fakes(m);
  StopOnExit stop_on_exit{m};
  m.start(fakes.collaborators());
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("shop"); };
  auto phase_is = [&](const char* phase) {
    return [&w, phase] { return w.phase("shop", "podinfo") == phase; };
  };

  REQUIRE(driver.run_until(phase_is("Initialized"), 10min, kubelet));
  CHECK(m.readiness().ready);
  CHECK(m.leading());

  w.set_image("shop", "podinfo", "podinfo:6.0.1");
  REQUIRE(driver.run_until(phase_is("Succeeded"), 30min, kubelet));
  CHECK(sim::image_of(w.get("apps/v1", "Deployment", "shop", "podinfo-primary")) ==
        "podinfo:6.0.1");

  w.set_image("shop", "podinfo", "podinfo:6.0.2-bad");
  REQUIRE(driver.run_until(phase_is("Failed"), 30min, kubelet));
  CHECK(sim::image_of(w.get("apps/v1", "Deployment", "shop", "podinfo-primary")) ==
        "podinfo:6.0.1");

  // Structured logs: one JSON object per line with the canary's fields.
  std::istringstream lines(logs.str());
  std::string line;
  bool saw_promotion = false;
  while (std::getline(lines, line)) {
    auto entry = nlohmann::json::parse(line);
    REQUIRE(entry.contains("time"));
    REQUIRE(entry.contains("level"));
    REQUIRE(entry.contains("msg"));
    if (entry.value("canary", "") == "podinfo" && entry.value("namespace", "") == "shop" &&
        entry["msg"].get<std::string>().find("Promotion completed") != std::string::npos)
      saw_promotion = true;
  }
  CHECK(saw_promotion);

  // /metrics over loopback: Flagger's series under veer_ and veer's own.
  server::StatusServer http("127.0.0.1", 0,
                            {{"/metrics", [&] {
                                return server::Reply{200, "text/plain", m.metrics_text()};
                              }}});
  http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(http.port()) + "/metrics";
  request.timeout = 5s;
  auto reply = http::send(request);
  REQUIRE(reply.ok());
  const auto& text = reply.value().body;
  CHECK(text.find("veer_canary_status{name=\"podinfo\",namespace=\"shop\"} 2") !=
        std::string::npos);
  CHECK(text.find("veer_canary_weight{workload=\"podinfo\",namespace=\"shop\"} 0") !=
        std::string::npos);
  CHECK(text.find("veer_canary_successes_total{name=\"podinfo\",namespace=\"shop\"") !=
        std::string::npos);
  CHECK(text.find("veer_canary_failures_total{name=\"podinfo\",namespace=\"shop\"") !=
        std::string::npos);
  CHECK(text.find("veer_canary_duration_seconds_count") != std::string::npos);
  CHECK(text.find("veer_metric_verdicts_total{verdict=\"pass\"}") != std::string::npos);
  CHECK(text.find("veer_metric_verdicts_total{verdict=\"fail\"}") != std::string::npos);
  CHECK(text.find("veer_api_requests_total{verb=\"watch\"}") != std::string::npos);
  CHECK(text.find("veer_workqueue_depth 0") != std::string::npos);
  CHECK(text.find("veer_cache_synced 1") != std::string::npos);
  CHECK(text.find("veer_informer_relists_total 0") != std::string::npos);
  m.stop();
  CHECK_FALSE(m.leading());
}

TEST_CASE("an idle operator makes no API reads or writes: 100 Succeeded canaries, 10 minutes") {
  runtime::testing::World w;
  w.add_namespace("fleet");
  constexpr int kCanaries = 100;
  for (int i = 0; i < kCanaries; ++i) w.add_app("fleet", "app" + std::to_string(i));
  runtime::Manager m(w.cluster, w.clock, runtime::testing::simulated_settings());
  Fakes fakes(m);
  std::atomic<long> analyses{0};  // reconciles that ran an analysis step
  m.on_report([&](const controller::ReconcileReport& report) {
    if (!report.verdicts.empty()) ++analyses;
  });
  StopOnExit stop_on_exit{m};
  m.start(fakes.collaborators());
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("fleet"); };
  auto all_in = [&](const char* phase) {
    return [&w, phase] {
      for (int i = 0; i < kCanaries; ++i)
        if (w.phase("fleet", "app" + std::to_string(i)) != phase) return false;
      return true;
    };
  };
  REQUIRE(driver.run_until(all_in("Initialized"), 10min, kubelet));
  for (int i = 0; i < kCanaries; ++i)
    w.set_image("fleet", "app" + std::to_string(i), "podinfo:6.0.1");
  const auto rollout0 = m.api_requests();
  const long analyses0 = analyses;
  REQUIRE(driver.run_until(all_in("Succeeded"), 60min, kubelet));
  driver.run_for(1min, kubelet);  // the last scale-downs reported by the kubelet

  // The rollout of all 100 at once (issue 19): no reads (caches), and no more writes per analysis
  // step than the reconciler makes (3.8 for these 5 steps, writes_test.cpp): the passes the watch
  // starts before the kubelet reports a scale-up or the primary's rollout write nothing, as the
  // wait began on the pass that made the change (4.3 before that, 5.9 before issue 19).
  const auto rollout = m.api_requests();
  const auto steps = static_cast<double>(analyses - analyses0);
  REQUIRE(steps == 5 * kCanaries);
  std::size_t writes = 0;
  for (const char* verb : {"create", "update", "patch", "delete"})
    writes += rollout.at(verb) - rollout0.at(verb);
  CHECK(rollout.at("get") == rollout0.at("get"));
  CHECK(rollout.at("list") == rollout0.at("list"));
  CHECK(static_cast<double>(writes) / steps <= 3.8);
  MESSAGE("rollout of ", kCanaries, " canaries: ", static_cast<double>(writes) / steps,
          " writes per analysis step");

  const auto before = m.api_requests();
  const auto reconciles_before = m.reconciles();
  driver.run_for(10min, kubelet);
  const auto after = m.api_requests();
  for (const char* verb : {"get", "list", "create", "update", "patch", "delete"}) {
    CAPTURE(verb);
    CHECK(after.at(verb) == before.at(verb));
  }
  // The resync reconciled every Canary meanwhile, from the cache.
  CHECK(m.reconciles() - reconciles_before >= kCanaries);
  MESSAGE("idle 10 min: ", m.reconciles() - reconciles_before, " reconciles, ",
          after.at("watch") - before.at("watch"), " watches re-opened, 0 gets/lists/writes");
  m.stop();
}

TEST_CASE("--kube-api-qps auto: the client's rate follows the Canaries the informers see") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "a");
  w.add_app("shop", "b");
  runtime::FleetRate rate({std::nullopt, std::nullopt, 10s}, nullptr);
  auto settings = runtime::testing::simulated_settings();
  settings.fleet_rate = &rate;
  runtime::Manager m(w.cluster, w.clock, settings);
  Fakes fakes(m);
  StopOnExit stop_on_exit{m};
  m.start(fakes.collaborators());
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("shop"); };
  auto qps_is = [&](double qps) {
    return [&rate, qps] { return rate.rate().qps == doctest::Approx(qps); };
  };
  // Two Canaries stepping every minute, 4 writes a step each, over the floor of 100.
  CHECK(driver.run_until(qps_is(100 + 2 * 4.0 / 60), 1min, kubelet));

  // One steps every 10 s from now on.
  auto a = w.get("veer.dev/v1beta1", "Canary", "shop", "a");
  a["spec"]["analysis"]["interval"] = "10s";
  REQUIRE(w.cluster.update(a));
  CHECK(driver.run_until(qps_is(100 + 4.0 / 60 + 0.4), 1min, kubelet));

  // A Canary gone no longer counts.
  REQUIRE(w.cluster.remove({controller::canary_type(), "shop", "a"}));
  CHECK(driver.run_until(qps_is(100 + 4.0 / 60), 5min, kubelet));
  CHECK(rate.rate().burst == 251);
}
