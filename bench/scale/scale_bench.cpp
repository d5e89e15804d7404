// bench_scale [--runtime] [N...] (default 1000 5000); with --runtime, through the Manager
// (runtime_bench.cpp). Without: the Canary controller at scale in one process, on the
// in-memory cluster under a simulated clock, driven as `veer operator` drives it: a WorkQueue and
// a WorkerPool (2 workers, Flagger's threadiness) calling CanaryReconciler. The kubelet stand-in
// and the metrics fake go around the controller, so only the controller's API calls and CPU are
// counted. Prints `name value unit` lines per N:
//   - CPU per analysis step: the reconciles' thread CPU time while all N roll out a new revision
//     at once, divided by the analysis steps they ran (and per reconcile);
//   - RSS (VmRSS, VmHWM from /proc/self/status) with N canaries and their objects in memory;
//   - API writes per analysis step during that rollout, by verb;
//   - API calls while idle: all Succeeded, 10 simulated minutes;
//   - time from a new revision (the image of one Deployment patched and its Canary queued, as the
//     informer would) to the controller's first write for it, with all others idle.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/scale/process_bench.hpp"
#include "bench/scale/process_stats.hpp"
#include "bench/scale/runtime_bench.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/cluster_decorator.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/kube/work_queue.hpp"
#include "operator/runtime/counting_cluster.hpp"

using namespace std::chrono_literals;
using namespace veer;
using nlohmann::json;
namespace sim = veer::controller::simulation;
using veer::bench::status_kb;
using veer::bench::thread_cpu_ns;

namespace {

constexpr int kWorkers = 2;
constexpr const char* kTick = "bench/tick";  // a key due every simulated minute (see drive())

// What the bench adds to the runtime's verb counts (runtime::CountingCluster, under it): Event
// creates and status updates apart, and the first write to one watched object name.
class WriteWatch final : public kube::ClusterDecorator {
 public:
  explicit WriteWatch(kube::Cluster& inner) : ClusterDecorator(inner) {}

  long event_creates() const { return event_creates_; }
  long status_updates() const { return status_updates_; }
  void watch_first_write(const std::string& name) {
    std::lock_guard lock(mutex_);
    watched_ = name;
    first_write_.reset();
  }
  std::optional<std::chrono::steady_clock::time_point> first_write() const {
    std::lock_guard lock(mutex_);
    return first_write_;
  }

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    using V = kube::CallInfo::Verb;
    if (call.verb == V::Create && call.kind == "Event") ++event_creates_;
    if (call.verb == V::UpdateStatus) ++status_updates_;
    if (call.is_write()) {
      std::lock_guard lock(mutex_);
      if (!call.name.empty() && call.name == watched_ && !first_write_)
        first_write_ = std::chrono::steady_clock::now();
    }
    return std::nullopt;
  }

 private:
  std::atomic<long> event_creates_{0};
  std::atomic<long> status_updates_{0};
  mutable std::mutex mutex_;
  std::string watched_;
  std::optional<std::chrono::steady_clock::time_point> first_write_;
};

// Every metric passes; a real source is I/O the controller waits on, not CPU it spends.
class PassingMetrics final : public controller::MetricsChecker {
 public:
  controller::AnalysisResult analyze(const model::Canary& canary) override {
    controller::AnalysisResult result;
    for (const auto& metric : canary.spec.analysis->metrics) {
      result.metrics.push_back({metric.name,
                                controller::MetricOutcome::Pass,
                                "99.9% >= 99%",
                                {{"test", "threshold"}, {"value", 99.9}}});
    }
    return result;
  }
};

class CountingAlerts final : public controller::AlertSink {
 public:
  void send(const model::Canary&, const controller::Alert&) override { ++sent; }
  std::atomic<long> sent{0};
};

long writes_of(const std::map<std::string, long>& counts) {
  long n = 0;
  for (const auto& [verb, count] : counts) {
    if (verb != "get" && verb != "list" && verb != "resolve" && verb != "watch") n += count;
  }
  return n;
}

std::map<std::string, long> minus(std::map<std::string, long> a,
                                  const std::map<std::string, long>& b) {
  for (auto& [verb, count] : a) {
    auto it = b.find(verb);
    if (it != b.end()) count -= it->second;
  }
  return a;
}

std::string name_of(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "app-%05d", i);
  return buffer;
}

class Bench {
 public:
  explicit Bench(int n) : n_(n) {
    for (const auto& info : sim::served_types()) cluster_.add_type(info);
    cluster_.create(
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}});
    for (int i = 0; i < n_; ++i) {
      const auto name = name_of(i);
      if (!cluster_.create(sim::deployment("bench", name, "podinfo:6.0.0")) ||
          !cluster_.create(sim::canary("bench", name, "istio"))) {
        std::fprintf(stderr, "bench_scale: creating %s failed\n", name.c_str());
        std::exit(1);
      }
    }
    controller::ReconcilerSettings settings;
    settings.decide.default_provider = "istio";
    reconciler_ = std::make_unique<controller::CanaryReconciler>(api_, clock_, hooks_, metrics_,
                                                                 alerts_, settings);
    reconciler_->on_report([this](const controller::ReconcileReport& report) {
      std::lock_guard lock(mutex_);
      phases_[report.key] = report.phase;
      if (!report.verdicts.empty()) ++analysis_steps_;
    });
  }

  void run() {
    std::printf("canaries %d\n", n_);
    std::printf(
        "rss_objects_only %ld kB (VmRSS: %d Deployments + Canaries, before any reconcile)\n",
        status_kb("VmRSS"), n_);
    kube::WorkQueue queue(clock_);
    queue_ = &queue;
    kube::WorkerPool workers(queue, kWorkers, [this](const std::string& key) {
      if (key == kTick) return kube::ReconcileResult{false, std::chrono::minutes(1), "", false};
      const auto start = thread_cpu_ns();
      auto result = reconciler_->reconcile(key);
      cpu_ns_ += thread_cpu_ns() - start;
      ++reconciles_;
      return result;
    });
    queue.add(kTick);
    const auto wall = std::chrono::steady_clock::now();

    for (int i = 0; i < n_; ++i) queue.add("bench/" + name_of(i));
    drive_until(model::CanaryPhase::Initialized);
    std::printf("initialize_all %.1f s wall, %ld reconciles\n", seconds_since(wall),
                reconciles_.load());

    // All N roll out a new revision at once.
    for (int i = 0; i < n_; ++i) set_image(i, "podinfo:6.0.1");
    const auto cpu0 = cpu_ns_.load();
    const auto reconciles0 = reconciles_.load();
    const auto calls0 = calls();
    const auto sim0 = clock_.now();
    {
      std::lock_guard lock(mutex_);
      analysis_steps_ = 0;
    }
    const auto rollout_wall = std::chrono::steady_clock::now();
    for (int i = 0; i < n_; ++i) queue.add("bench/" + name_of(i));
    drive_until(model::CanaryPhase::Succeeded);
    const double rollout_seconds = seconds_since(rollout_wall);
    const auto rollout_calls = minus(calls(), calls0);
    const long steps = analysis_steps_;
    const double cpu_ms = (cpu_ns_ - cpu0) / 1e6;
    const long reconciles = reconciles_ - reconciles0;
    std::printf(
        "rollout_all %.1f s wall, %.0f simulated minutes, %ld reconciles, %ld analysis "
        "steps\n",
        rollout_seconds, std::chrono::duration<double>(clock_.now() - sim0).count() / 60,
        reconciles, steps);
    std::printf(
        "cpu_per_analysis_step %.3f ms (all reconcile CPU of the rollout / analysis steps)\n",
        cpu_ms / static_cast<double>(steps));
    std::printf("cpu_per_reconcile %.3f ms\n", cpu_ms / static_cast<double>(reconciles));
    std::printf("api_writes_per_analysis_step %.2f (",
                writes_of(rollout_calls) / static_cast<double>(steps));
    for (const auto& [verb, count] : rollout_calls) {
      if (verb != "get" && verb != "list" && verb != "resolve" && verb != "watch")
        std::printf(" %s=%.2f", verb.c_str(), count / static_cast<double>(steps));
    }
    std::printf(" )\n");
    std::printf(
        "api_reads_per_analysis_step %.2f (live GETs)\n",
        rollout_calls.count("get") ? rollout_calls.at("get") / static_cast<double>(steps) : 0.0);
    std::printf("rss_after_rollout %ld kB (VmRSS), peak %ld kB (VmHWM)\n", status_kb("VmRSS"),
                status_kb("VmHWM"));

    // Idle: everything Succeeded; 10 simulated minutes. Nothing requeues an idle Canary; the
    // runtime's informer resync (every 5 minutes) is played by queueing every key at minutes 5
    // and 10, so the reads it costs a reconciler that reads the API directly show too.
    const auto idle0 = calls();
    const auto idle_start = clock_.now();
    for (int resync = 1; resync <= 2; ++resync) {
      while (clock_.now() - idle_start < resync * 5min) step();
      for (int i = 0; i < n_; ++i) queue.add("bench/" + name_of(i));
      quiesce();
    }
    const auto idle = minus(calls(), idle0);
    std::printf("api_writes_idle_10_simulated_minutes %ld (2 resyncs of every Canary)\n",
                writes_of(idle));
    std::printf("api_reads_idle_10_simulated_minutes %ld (live GETs: %.1f per Canary per resync)\n",
                idle.count("get") ? idle.at("get") : 0L,
                idle.count("get") ? idle.at("get") / (2.0 * n_) : 0.0);

    // A new revision of one canary while the others are idle: patch, queue, first write.
    std::vector<double> latencies;
    for (int sample = 0; sample < 5; ++sample) {
      const int i = (sample * 7919) % n_;
      const auto name = name_of(i);
      api_.watch_first_write(name);
      const auto start = std::chrono::steady_clock::now();
      set_image(i, "podinfo:6.0.2");
      queue.add("bench/" + name);  // what the Deployment informer's event handler does
      while (!api_.first_write()) std::this_thread::yield();
      latencies.push_back(
          std::chrono::duration<double, std::milli>(*api_.first_write() - start).count());
      drive_until(model::CanaryPhase::Succeeded);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("new_revision_to_first_write %.3f ms median (min %.3f, max %.3f, 5 samples)\n",
                latencies[latencies.size() / 2], latencies.front(), latencies.back());
    std::printf("alerts_sent %ld\n", alerts_.sent.load());
    std::printf("total_wall %.1f s\n\n", seconds_since(wall));
    workers.stop();
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void set_image(int i, const std::string& image) {
    auto d = cluster_.get({kube::type_of("apps/v1", "Deployment"), "bench", name_of(i)});
    (*d)["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    if (!cluster_.update(*d)) std::exit(1);
  }

  // Both workers parked on the clock with nothing ready: every queued key has been reconciled.
  void quiesce() {
    while (true) {
      clock_.wait_for_waiters(kWorkers);
      if (queue_->length() == 0) return;
      std::this_thread::yield();
    }
  }

  // Waits until both workers are parked on the clock (nothing ready to run), lets the kubelet
  // stand-in report, then moves time to the next due key.
  void step() {
    quiesce();
    sim::kubelet_pass(cluster_, "bench");
    if (auto next = clock_.next_deadline()) clock_.set(*next);
  }

  void drive_until(model::CanaryPhase phase) {
    for (int guard = 0; guard < 100'000; ++guard) {
      step();
      std::lock_guard lock(mutex_);
      const auto done = std::count_if(phases_.begin(), phases_.end(),
                                      [&](const auto& entry) { return entry.second == phase; });
      if (done == n_) return;
    }
    std::fprintf(stderr, "bench_scale: canaries did not reach %s\n",
                 std::string(model::to_string(phase)).c_str());
    std::exit(1);
  }

  // Calls by verb, with Event creates ("create(Event)") and status updates ("update(status)")
  // apart from the other creates and updates.
  std::map<std::string, long> calls() const {
    std::map<std::string, long> out;
    for (const auto& [verb, count] : counting_.counts()) out[verb] = static_cast<long>(count);
    out["create(Event)"] = api_.event_creates();
    out["create"] -= api_.event_creates();
    out["update(status)"] = api_.status_updates();
    out["update"] -= api_.status_updates();
    return out;
  }

  int n_;
  base::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  runtime::CountingCluster counting_{cluster_};
  WriteWatch api_{counting_};  // what the reconciler talks to
  sim::ApprovingHooks hooks_;
  PassingMetrics metrics_;
  CountingAlerts alerts_;
  std::unique_ptr<controller::CanaryReconciler> reconciler_;
  kube::WorkQueue* queue_ = nullptr;
  std::atomic<std::int64_t> cpu_ns_{0};
  std::atomic<long> reconciles_{0};
  std::mutex mutex_;
  std::map<std::string, model::CanaryPhase> phases_;
  long analysis_steps_ = 0;
};

}  // namespace

namespace {

// "--name=value" or "--name value": the value of option `name` at argv[i] (advancing i).
bool option(int argc, char** argv, int& i, const std::string& name, std::string& value) {
  const std::string arg = argv[i];
  if (arg.rfind(name + "=", 0) == 0) {
    value = arg.substr(name.size() + 1);
    return true;
  }
  if (arg == name && i + 1 < argc) {
    value = argv[++i];
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  bool runtime = false;
  bool api_process = false;
  veer::bench::ProcessBenchOptions process;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (arg == "--runtime") {
      runtime = true;
    } else if (arg == "--api-process") {
      api_process = true;
    } else if (option(argc, argv, i, "--interval-seconds", value)) {
      process.interval = std::chrono::seconds(std::atoi(value.c_str()));
    } else if (option(argc, argv, i, "--kube-api-qps", value)) {
      if (value != "auto") process.client_qps = std::atof(value.c_str());
    } else if (option(argc, argv, i, "--kube-api-burst", value)) {
      if (value != "auto") process.client_burst = std::atoi(value.c_str());
    } else if (option(argc, argv, i, "--api-latency-ms", value)) {
      process.api_latency = std::chrono::milliseconds(std::atoi(value.c_str()));
    } else if (option(argc, argv, i, "--api-max-qps", value)) {
      process.api_max_qps = std::atof(value.c_str());
    } else if (option(argc, argv, i, "--metrics-latency-ms", value)) {
      process.metrics_latency = std::chrono::milliseconds(std::atoi(value.c_str()));
    } else if (option(argc, argv, i, "--workers", value)) {
      process.workers = std::atoi(value.c_str());
    } else if (option(argc, argv, i, "--metric-query-concurrency", value)) {
      process.metric_query_concurrency = std::atoi(value.c_str());
    } else if (option(argc, argv, i, "--max-outbound-calls", value)) {
      process.max_outbound_calls = std::atoi(value.c_str());
    } else if (option(argc, argv, i, "--stagger-seconds", value)) {
      process.stagger = std::chrono::seconds(std::atoi(value.c_str()));
    } else if (option(argc, argv, i, "--rolling", value)) {
      process.rolling = std::atoi(value.c_str());
    } else if (option(argc, argv, i, "--timeout-seconds", value)) {
      process.timeout = std::chrono::seconds(std::atoi(value.c_str()));
    } else if (option(argc, argv, i, "--memory-return-seconds", value)) {
      process.memory_return = std::chrono::seconds(std::atoi(value.c_str()));
    } else if (arg == "--idle-only") {
      process.idle_only = true;
    } else if (option(argc, argv, i, "--check-writes-per-step", value)) {
      process.check_writes_per_step = std::atof(value.c_str());
    } else {
      sizes.push_back(std::atoi(argv[i]));
    }
  }
  if (sizes.empty()) sizes = {1000, 5000};
  for (int n : sizes) {
    if (n <= 0) {
      std::fprintf(stderr,
                   "usage: bench_scale [--runtime [--api-process [--interval-seconds S] "
                   "[--kube-api-qps Q] [--kube-api-burst B] [--api-latency-ms L] "
                   "[--api-max-qps Q] [--metrics-latency-ms L] [--workers W] "
                   "[--metric-query-concurrency N] [--max-outbound-calls N] "
                   "[--stagger-seconds S] [--rolling N] [--memory-return-seconds S] "
                   "[--timeout-seconds T] [--check-writes-per-step W] "
                   "[--idle-only]]] "
                   "[canaries...]\n");
      return 2;
    }
    if (runtime && api_process) {
      process.canaries = n;
      if (int code = veer::bench::run_process_bench(process); code != 0) return code;
      continue;
    }
    if (runtime) {
      if (int code = veer::bench::run_runtime_bench(n); code != 0) return code;
      continue;
    }
    Bench(n).run();
  }
  return 0;
}
