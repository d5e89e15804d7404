// bench_scale --runtime: the same fleet driven through `veer operator`'s runtime (Manager:
// informers, cached reads, work queue, 2 workers, leader election off) on the in-memory cluster
// in this process, under a simulated clock moved by SimulatedDriver (time moves only when every
// informer has caught up and nothing is queued or running). Prints `name value unit` lines:
//   - API reads and writes per analysis step while all N roll out at once, by verb;
//   - CPU of the reconciles that ran an analysis step (median, p99), per worker thread;
//   - wall time to work off each wave of due Canaries (what a step would be late on a real
//     clock with an API and a Prometheus that answer at once), median and max;
//   - RSS: the in-memory API server's objects and the operator's caches share the process, so
//     the growth from Manager start is shown, not the operator's own RSS;
//   - time from a new revision (the Deployment patched) to the controller's first write for it,
//     through the watch, the queue and a worker.
#include "bench/scale/runtime_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/scale/fleet.hpp"
#include "bench/scale/process_stats.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/cluster_decorator.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/simulated_driver.hpp"

namespace veer::bench {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace sim = controller::simulation;

// Notes when the first write to an object named `watched` passes (to time a new revision).
class FirstWrite final : public kube::ClusterDecorator {
 public:
  explicit FirstWrite(kube::Cluster& inner) : ClusterDecorator(inner) {}
  void watch_for(const std::string& name) {
    std::lock_guard lock(mutex_);
    watched_ = name;
    at_.reset();
  }
  // Writes by "verb Kind" ("update_status Canary"), to say what a step writes.
  std::map<std::string, long> by_kind() const {
    std::lock_guard lock(mutex_);
    return by_kind_;
  }
  std::optional<std::chrono::steady_clock::time_point> at() const {
    std::lock_guard lock(mutex_);
    return at_;
  }

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (!call.is_write()) return std::nullopt;
    count(call.verb_name(), call.kind);
    using V = kube::CallInfo::Verb;
    if (call.verb == V::Update || call.verb == V::UpdateStatus || call.verb == V::Patch)
      note(call.name);
    return std::nullopt;
  }

 private:
  void count(const char* verb, const std::string& kind) {
    std::lock_guard lock(mutex_);
    ++by_kind_[std::string(verb) + " " + kind];
  }
  void note(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (!at_ && name == watched_) at_ = std::chrono::steady_clock::now();
  }
  mutable std::mutex mutex_;
  std::string watched_;
  std::optional<std::chrono::steady_clock::time_point> at_;
  std::map<std::string, long> by_kind_;
};

}  // namespace

int run_runtime_bench(int n) {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};
  for (const auto& info : sim::served_types()) cluster.add_type(info);
  cluster.add_type({{"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"}, true, false});
  cluster.add_type({{"veer.dev", "v1beta1", "alertproviders", "AlertProvider"}, true, false});
  cluster.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}});
  for (int i = 0; i < n; ++i) {
    if (!cluster.create(sim::deployment("bench", fleet_name(i), "podinfo:6.0.0")) ||
        !cluster.create(sim::canary("bench", fleet_name(i), "istio"))) {
      std::fprintf(stderr, "bench_scale: creating %s failed\n", fleet_name(i).c_str());
      return 1;
    }
  }
  std::printf("canaries %d (through the runtime Manager)\n", n);
  const long rss_objects = status_kb("VmRSS");
  std::printf("rss_objects_only %ld kB (VmRSS before the Manager starts)\n", rss_objects);

  FirstWrite api(cluster);
  runtime::ManagerSettings settings;
  settings.workers = 2;
  settings.reconciler.decide.default_provider = "istio";
  runtime::Manager manager(api, clock, settings);
  if (auto problem = manager.check(); !problem.empty()) {
    std::fprintf(stderr, "bench_scale: %s\n", problem.c_str());
    return 1;
  }
  sim::ApprovingHooks hooks;
  PassingMetrics metrics;
  NoAlerts alerts;
  std::mutex mutex;
  std::map<std::string, model::CanaryPhase> phases;
  std::vector<double> step_cpu_ms;
  manager.on_report([&](const controller::ReconcileReport& report) {
    thread_local std::int64_t last = thread_cpu_ns();
    const auto now = thread_cpu_ns();
    const double ms = static_cast<double>(now - last) / 1e6;
    last = now;
    std::lock_guard lock(mutex);
    phases[report.key] = report.phase;
    if (!report.verdicts.empty()) step_cpu_ms.push_back(ms);
  });
  manager.start({hooks, metrics, alerts});
  runtime::SimulatedDriver driver(cluster, clock, {&manager});
  const auto wall = std::chrono::steady_clock::now();
  std::vector<double> waves_ms;
  auto kubelet = [&] { sim::kubelet_pass(cluster, "bench"); };
  auto timed_kubelet = [&] {
    // Each step of the driver: the kubelet reports, then the due Canaries are worked off.
    static std::optional<std::chrono::steady_clock::time_point> previous;
    const auto now = std::chrono::steady_clock::now();
    if (previous)
      waves_ms.push_back(std::chrono::duration<double, std::milli>(now - *previous).count());
    previous = now;
    kubelet();
  };
  auto all_in = [&](model::CanaryPhase phase) {
    return [&, phase] {
      std::lock_guard lock(mutex);
      if (static_cast<int>(phases.size()) < n) return false;
      return std::all_of(phases.begin(), phases.end(),
                         [&](const auto& entry) { return entry.second == phase; });
    };
  };
  if (!driver.run_until(all_in(model::CanaryPhase::Initialized), 30min, kubelet)) {
    std::fprintf(stderr, "bench_scale: not all Initialized\n");
    return 1;
  }
  driver.run_for(1min, kubelet);
  std::printf("initialize_all %.1f s wall\n", seconds_since(wall));
  std::printf("rss_initialized %ld kB (VmRSS; +%ld kB since the Manager started)\n",
              status_kb("VmRSS"), status_kb("VmRSS") - rss_objects);

  for (int i = 0; i < n; ++i) {
    auto d = cluster.get({kube::type_of("apps/v1", "Deployment"), "bench", fleet_name(i)});
    (*d)["spec"]["template"]["spec"]["containers"][0]["image"] = "podinfo:6.0.1";
    cluster.update(*d);
  }
  const auto calls0 = manager.api_requests();
  const auto kinds0 = api.by_kind();
  const long analyses0 = metrics.calls;
  {
    std::lock_guard lock(mutex);
    step_cpu_ms.clear();
  }
  const auto rollout_wall = std::chrono::steady_clock::now();
  const auto sim0 = clock.now();
  if (!driver.run_until(all_in(model::CanaryPhase::Succeeded), 60min, timed_kubelet)) {
    std::fprintf(stderr, "bench_scale: not all Succeeded\n");
    return 1;
  }
  const auto calls = manager.api_requests();
  const long steps = metrics.calls - analyses0;
  std::map<std::string, std::size_t> delta;
  for (const auto& [verb, count] : calls) delta[verb] = count - calls0.at(verb);
  std::printf("rollout_all %.1f s wall, %.0f simulated minutes, %ld analysis steps\n",
              seconds_since(rollout_wall),
              std::chrono::duration<double>(clock.now() - sim0).count() / 60, steps);
  std::printf("api_writes_per_analysis_step %.2f (", writes_of(delta) / static_cast<double>(steps));
  for (const char* verb : {"create", "update", "patch", "delete"})
    std::printf(" %s=%.2f", verb, static_cast<double>(delta[verb]) / static_cast<double>(steps));
  std::printf(" )\n");
  std::printf("api_writes_per_analysis_step_by_kind");
  for (const auto& [what, count] : api.by_kind()) {
    const auto before = kinds0.count(what) ? kinds0.at(what) : 0;
    std::printf(" [%s]=%.2f", what.c_str(),
                static_cast<double>(count - before) / static_cast<double>(steps));
  }
  std::printf("\n");
  std::printf("api_reads_per_analysis_step %.2f (gets and lists; watches re-opened: %zu)\n",
              static_cast<double>(delta["get"] + delta["list"]) / static_cast<double>(steps),
              delta["watch"]);
  {
    std::lock_guard lock(mutex);
    std::printf("cpu_per_analysis_step %.3f ms median, %.3f ms p99 (%zu steps)\n",
                quantile(step_cpu_ms, 0.5), quantile(step_cpu_ms, 0.99), step_cpu_ms.size());
  }
  std::printf("wave_work_off %.1f ms median, %.1f ms max (wall per simulated step, %zu steps)\n",
              quantile(waves_ms, 0.5), quantile(waves_ms, 1.0), waves_ms.size());
  std::printf("rss_after_rollout %ld kB (VmRSS), peak %ld kB (VmHWM)\n", status_kb("VmRSS"),
              status_kb("VmHWM"));

  driver.run_for(1min, kubelet);
  const auto idle0 = manager.api_requests();
  driver.run_for(10min, kubelet);
  const auto idle = manager.api_requests();
  std::printf("api_idle_10_simulated_minutes gets=%zu lists=%zu writes=%ld\n",
              idle.at("get") - idle0.at("get"), idle.at("list") - idle0.at("list"),
              writes_of(idle) - writes_of(idle0));

  std::vector<double> latencies;
  for (int sample = 0; sample < 5; ++sample) {
    const auto name = fleet_name((sample * 7919) % n);
    api.watch_for(name);
    auto d = cluster.get({kube::type_of("apps/v1", "Deployment"), "bench", name});
    (*d)["spec"]["template"]["spec"]["containers"][0]["image"] =
        "podinfo:6.0." + std::to_string(2 + sample);
    const auto start = std::chrono::steady_clock::now();
    cluster.update(*d);
    while (!api.at() && seconds_since(start) < 30) std::this_thread::sleep_for(100us);
    if (!api.at()) {
      std::fprintf(stderr, "bench_scale: no write for %s within 30 s\n", name.c_str());
      return 1;
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(*api.at() - start).count());
    driver.settle();
  }
  std::printf("new_revision_to_first_write %.3f ms median (min %.3f, max %.3f, 5 samples)\n",
              quantile(latencies, 0.5), quantile(latencies, 0.0), quantile(latencies, 1.0));
  std::printf("total_wall %.1f s\n\n", seconds_since(wall));
  manager.stop();
  return 0;
}

}  // namespace veer::bench
