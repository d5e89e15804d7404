// Metric analyses off the reconcile workers (issue 19): the pool hands a result over once and only
// for the step it was asked for, runs at most `concurrency` analyses at once, turns a throwing
// checker into NoData; through the Manager, one worker goes on reconciling while an analysis
// is in flight, and a step's rollout hooks are called once although its pass is split in two.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "operator/controller/simulation.hpp"
#include "operator/runtime/analysis_pool.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/simulated_driver.hpp"
#include "operator/runtime/tests/support/stop_on_exit.hpp"
#include "operator/runtime/tests/support/world.hpp"

using namespace veer;
using namespace std::chrono_literals;
namespace sim = veer::controller::simulation;

namespace {

model::Canary canary_named(const std::string& name, int weight = 0) {
  auto parsed = model::parse_canary(sim::canary("shop", name, "istio"));
  REQUIRE(parsed.ok());
  auto canary = parsed.value;
  canary.status.canary_weight = weight;
  return canary;
}

controller::AnalysisResult passing(const model::Canary& canary) {
  controller::AnalysisResult result;
  for (const auto& metric : canary.spec.analysis->metrics)
    result.metrics.push_back({metric.name, controller::MetricOutcome::Pass, "ok", nullptr});
  return result;
}

// Analyses that wait until the test opens the gate; records what was asked and how many ran at
// once.
class GatedChecker final : public controller::MetricsChecker {
 public:
  controller::AnalysisResult analyze(const model::Canary& canary) override {
    std::unique_lock lock(mutex_);
    asked_.push_back(canary.metadata.name + "@" + std::to_string(canary.status.canary_weight));
    ++running_;
    most_ = std::max(most_, running_);
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --running_;
    if (canary.metadata.name == "throws") throw std::runtime_error("query parser exploded");
    return passing(canary);
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  bool wait_running(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return running_ == n; });
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }
  int most() {
    std::lock_guard lock(mutex_);
    return most_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int running_ = 0, most_ = 0;
  std::vector<std::string> asked_;
};

// The keys `done` was called with.
struct Handed {
  std::mutex mutex;
  std::condition_variable changed;
  std::multiset<std::string> keys;
  void add(const std::string& key) {
    std::lock_guard lock(mutex);
    keys.insert(key);
    changed.notify_all();
  }
  bool wait_count(std::size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 30s, [&] { return keys.size() >= n; });
  }
};

}  // namespace

TEST_CASE("an analysis runs on the pool and its result is handed over once, for its step only") {
  GatedChecker gate;
  Handed handed;
  runtime::AnalysisPool pool(gate, 4, [&](const std::string& key) { handed.add(key); });
  const auto at10 = canary_named("podinfo", 10);

  CHECK_FALSE(pool.result_for(at10).has_value());
  REQUIRE(gate.wait_running(1));
  CHECK_FALSE(pool.result_for(at10).has_value());  // the same step again: no second analysis
  CHECK(pool.busy() == 1);
  // The step moved on (weight 20) while the analysis of weight 10 ran: that answer is dropped.
  const auto at20 = canary_named("podinfo", 20);
  CHECK_FALSE(pool.result_for(at20).has_value());
  gate.open();
  REQUIRE(handed.wait_count(1));
  auto result = pool.result_for(at20);
  REQUIRE(result.has_value());
  CHECK(result->metrics.size() == 1);
  CHECK(gate.asked() == std::vector<std::string>{"podinfo@10", "podinfo@20"});
  CHECK(handed.keys == std::multiset<std::string>{"shop/podinfo"});  // once, for weight 20
  // Handed over once: asking again is a new analysis.
  CHECK_FALSE(pool.result_for(at20).has_value());
  REQUIRE(handed.wait_count(2));
  CHECK(gate.asked().size() == 3);
  pool.stop();
}

TEST_CASE("at most `concurrency` analyses run at once, the rest wait their turn in order") {
  GatedChecker gate;
  Handed handed;
  runtime::AnalysisPool pool(gate, 3, [&](const std::string& key) { handed.add(key); });
  for (int i = 0; i < 10; ++i)
    CHECK_FALSE(pool.result_for(canary_named("app" + std::to_string(i))).has_value());
  REQUIRE(gate.wait_running(3));
  CHECK(pool.running() == 3);
  CHECK(pool.queued() == 7);
  CHECK(pool.busy() == 10);
  gate.open();
  REQUIRE(handed.wait_count(10));
  CHECK(gate.most() == 3);
  const auto asked = gate.asked();
  REQUIRE(asked.size() == 10);
  // First asked, first measured: the three that ran first are the first three asked.
  CHECK(std::set<std::string>(asked.begin(), asked.begin() + 3) ==
        std::set<std::string>{"app0@0", "app1@0", "app2@0"});
  for (int i = 0; i < 10; ++i)
    CHECK(pool.result_for(canary_named("app" + std::to_string(i))).has_value());
  // The last hand-over counts as busy until its callback has returned (the callback is what
  // `handed` waited for), so wait for it to end.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (pool.busy() != 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  CHECK(pool.busy() == 0);
}

TEST_CASE("a checker that throws gives NoData for every metric, never a pass") {
  GatedChecker gate;
  gate.open();
  Handed handed;
  runtime::AnalysisPool pool(gate, 1, [&](const std::string& key) { handed.add(key); });
  const auto canary = canary_named("throws");
  CHECK_FALSE(pool.result_for(canary).has_value());
  REQUIRE(handed.wait_count(1));
  auto result = pool.result_for(canary);
  REQUIRE(result.has_value());
  REQUIRE(result->metrics.size() == 1);
  CHECK(result->metrics[0].outcome == controller::MetricOutcome::NoData);
  CHECK(result->metrics[0].message.find("query parser exploded") != std::string::npos);
}

namespace {

// The first analysis asked for (of either Canary) waits, in real time and at most 180 s, until the
// other Canary has been reconciled with a verdict asked for after it began: only possible when
// the one worker is free while that analysis runs. (When the other is due at a later simulated
// instant, the driver moves time only after its settle gives up twice, 60 s each.)
class HoldsTheFirst final : public controller::MetricsChecker {
 public:
  controller::AnalysisResult analyze(const model::Canary& canary) override {
    std::unique_lock lock(mutex_);
    if (held_.empty()) {
      held_ = canary.metadata.name;
      const int seen = verdicts_of_other_;
      freed_ = changed_.wait_for(lock, 180s, [&] { return verdicts_of_other_ > seen; });
    }
    return passing(canary);
  }
  void verdict_for(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (!held_.empty() && name != held_) ++verdicts_of_other_;
    changed_.notify_all();
  }
  std::string held() {
    std::lock_guard lock(mutex_);
    return held_;
  }
  bool freed() {
    std::lock_guard lock(mutex_);
    return freed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string held_;
  bool freed_ = false;
  int verdicts_of_other_ = 0;
};

}  // namespace

TEST_CASE("one worker goes on reconciling other Canaries while an analysis is in flight") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "app0");
  w.add_app("shop", "app1");
  auto settings = runtime::testing::simulated_settings();
  settings.workers = 1;
  settings.analysis_concurrency = 2;
  runtime::Manager m(w.cluster, w.clock, settings);
  sim::ApprovingHooks hooks;
  HoldsTheFirst metrics;
  sim::RecordingAlerts alerts;
  m.on_report([&](const controller::ReconcileReport& report) {
    if (!report.verdicts.empty()) metrics.verdict_for(report.name);
  });
  runtime::testing::StopOnExit stop_on_exit{m};
  m.start({hooks, metrics, alerts});
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("shop"); };
  auto both = [&](const char* phase) {
    return [&w, phase] {
      return w.phase("shop", "app0") == phase && w.phase("shop", "app1") == phase;
    };
  };
  REQUIRE(driver.run_until(both("Initialized"), 10min, kubelet));
  w.set_image("shop", "app0", "podinfo:6.0.1");
  w.set_image("shop", "app1", "podinfo:6.0.1");
  REQUIRE(driver.run_until(both("Succeeded"), 30min, kubelet));
  CHECK_FALSE(metrics.held().empty());
  CHECK(metrics.freed());  // the other was analysed and reconciled while the first one's ran
}

namespace {

class CountingHooks final : public webhooks::HookPoster {
 public:
  webhooks::HookReply post(const webhooks::HookCall& call) override {
    std::lock_guard lock(mutex_);
    ++calls_[call.url];
    return {200, "approved", ""};
  }
  int calls(const std::string& url) {
    std::lock_guard lock(mutex_);
    return calls_[url];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> calls_;
};

}  // namespace

TEST_CASE("a step's rollout hook is called once although its analysis ends in a later pass") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "podinfo");
  auto canary = w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo");
  canary["spec"]["analysis"]["webhooks"] = nlohmann::json::array(
      {{{"name", "gate"}, {"type", "rollout"}, {"url", "http://gate.test/check"}}});
  REQUIRE(w.cluster.update(canary));
  runtime::Manager m(w.cluster, w.clock, runtime::testing::simulated_settings());
  CountingHooks hooks;
  sim::ImageMetrics metrics(m.cache());
  sim::RecordingAlerts alerts;
  std::atomic<int> analysed{0};
  m.on_report([&](const controller::ReconcileReport& report) {
    if (!report.verdicts.empty()) ++analysed;
  });
  runtime::testing::StopOnExit stop_on_exit{m};
  m.start({hooks, metrics, alerts});
  runtime::SimulatedDriver driver(w.cluster, w.clock, {&m});
  auto kubelet = [&] { w.kubelet("shop"); };
  REQUIRE(driver.run_until([&] { return w.phase("shop", "podinfo") == "Initialized"; }, 10min,
                           kubelet));
  w.set_image("shop", "podinfo", "podinfo:6.0.1");
  REQUIRE(
      driver.run_until([&] { return w.phase("shop", "podinfo") == "Succeeded"; }, 30min, kubelet));
  CHECK(analysed == 5);
  CHECK(hooks.calls("http://gate.test/check") == 5);  // one per analysis step, not two
}
