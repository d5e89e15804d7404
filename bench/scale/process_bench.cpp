// bench_scale --runtime N --api-process: `veer operator`'s runtime (Manager: informers, cached
// reads, work queue, workers, leader election off) talking through the real REST client
// (RestCluster, its client-side rate limit, HTTP over loopback) to an API server stand-in in a
// child process (api_stand_in.hpp: the in-memory cluster, a kubelet stand-in, latency and a
// server-side 429 limit). Real clock: the Canaries' interval is short (default 30 s) so a
// 5-step rollout of every Canary at once fits in minutes. The RSS printed is the operator
// process's own: the API server's objects live in the child.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/scale/api_stand_in.hpp"
#include "bench/scale/fleet.hpp"
#include "bench/scale/process_bench.hpp"
#include "bench/scale/process_stats.hpp"
#include "http/client.hpp"
#include "http/outbound_policy.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "operator/runtime/logger.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/metrics_checker.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::bench {
namespace {

// About what a parsed nlohmann::json takes on the heap with glibc's malloc (16 bytes a block):
// an object's std::map nodes (node 32 + key string 32 + value 16), an array's vector, strings
// past the small-string buffer.
std::size_t json_heap_bytes(const nlohmann::json& value) {
  auto string_bytes = [](std::size_t n) { return n > 15 ? n + 1 + 16 : 0; };
  std::size_t bytes = 0;
  if (value.is_object()) {
    bytes += 48 + 16;  // the map itself
    for (const auto& [key, member] : value.items()) {
      bytes += 32 + 32 + 16 + 16 + string_bytes(key.size()) + json_heap_bytes(member);
    }
  } else if (value.is_array()) {
    bytes += 24 + 16 + value.size() * 16;
    for (const auto& element : value) bytes += json_heap_bytes(element);
  } else if (value.is_string()) {
    bytes += 32 + 16 + string_bytes(value.get_ref<const std::string&>().size());
  }
  return bytes;
}

using namespace std::chrono_literals;
using nlohmann::json;
namespace sim = controller::simulation;
using Steady = std::chrono::steady_clock;

// --- the child: the API server stand-in ------------------------------------------------------

// Builds and initializes the fleet in the in-memory cluster (a reconciler in this process does
// the initialization, so the operator under test starts on Initialized Canaries), serves it,
// writes the port to `port_fd` and runs the kubelet stand-in until killed.
[[noreturn]] void run_api_process(const ProcessBenchOptions& o, int port_fd) {
  base::RealClock clock;
  kube::MemoryClusterOptions memory;
  memory.watch_history = static_cast<std::size_t>(std::max(1000, o.canaries * 4));
  kube::MemoryCluster cluster(clock, memory);
  for (const auto& info : sim::served_types()) cluster.add_type(info);
  cluster.add_type({{"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"}, true, false});
  cluster.add_type({{"veer.dev", "v1beta1", "alertproviders", "AlertProvider"}, true, false});
  cluster.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}});
  const std::string interval = std::to_string(o.interval.count()) + "s";
  for (int i = 0; i < o.canaries; ++i) {
    auto canary = sim::canary("bench", fleet_name(i), "istio");
    canary["spec"]["analysis"]["interval"] = interval;
    for (auto& metric : canary["spec"]["analysis"]["metrics"]) metric["interval"] = interval;
    if (!cluster.create(sim::deployment("bench", fleet_name(i), "podinfo:6.0.0")) ||
        !cluster.create(canary)) {
      std::fprintf(stderr, "api process: creating %s failed\n", fleet_name(i).c_str());
      _exit(1);
    }
  }
  {
    sim::ApprovingHooks hooks;
    PassingMetrics metrics(0ms);
    NoAlerts alerts;
    controller::ReconcilerSettings settings;
    settings.decide.default_provider = "istio";
    controller::CanaryReconciler reconciler(cluster, clock, hooks, metrics, alerts, settings);
    for (int round = 0; round < 4; ++round) {
      sim::kubelet_pass(cluster, "bench");
      for (int i = 0; i < o.canaries; ++i) reconciler.reconcile("bench/" + fleet_name(i));
    }
    sim::kubelet_pass(cluster, "bench");
  }
  std::atomic<int> rollouts{0};
  ApiStandIn* self = nullptr;  // set once the server is made, before it answers
  auto extra = [&](const std::string& method, const std::string& path) -> StandInReply {
    if (method == "GET" && path == "/bench/counts") return {200, json(self->counts()).dump()};
    if (method == "POST" && path.rfind("/bench/rollout/", 0) == 0) {
      // A new image for the Deployments [from, to): "/bench/rollout/<from>/<to>".
      const auto range = path.substr(std::string("/bench/rollout/").size());
      const int from = std::stoi(range.substr(0, range.find('/')));
      const int to = std::min(o.canaries, std::stoi(range.substr(range.find('/') + 1)));
      const auto image = "podinfo:6.1." + std::to_string(from == 0 ? ++rollouts : rollouts.load());
      for (int i = from; i < to; ++i) {
        auto d = cluster.get({kube::type_of("apps/v1", "Deployment"), "bench", fleet_name(i)});
        if (!d) continue;
        (*d)["spec"]["template"]["spec"]["containers"][0]["image"] = image;
        cluster.update(*d);
      }
      return {200, "{}"};
    }
    return {404, "{}"};
  };
  StandInSettings settings;
  settings.latency = o.api_latency;
  settings.query_latency = o.metrics_latency;
  settings.max_qps = o.api_max_qps;
  settings.burst = o.api_burst > 0 ? o.api_burst : std::max(1, static_cast<int>(o.api_max_qps));
  ApiStandIn server(cluster, settings, extra);
  self = &server;
  const int port = server.port();
  if (::write(port_fd, &port, sizeof port) != sizeof port) _exit(1);
  ::close(port_fd);
  std::thread([&server] {
    long last_throttled = -1;
    for (;;) {
      std::this_thread::sleep_for(1s);
      const auto counts = server.counts();
      const long throttled = counts.count("throttled") ? counts.at("throttled") : 0;
      if (throttled != last_throttled) {
        std::fprintf(stderr, "api process: %ld requests refused with 429 so far\n", throttled);
        last_throttled = throttled;
      }
    }
  }).detach();
  // The kubelet stand-in (with the deployment controller's part): a Deployment gets its
  // rolled-out status when the watch says it changed, as the real controllers react to events.
  // (sim::kubelet_pass relists every Deployment each second: at 10,000 Canaries that copy of
  // 20,000 objects took most of a core here, on the cores the operator runs on.) The parent
  // kills this process when it is done.
  const auto deployments = kube::type_of("apps/v1", "Deployment");
  std::string since;  // "" the first time: every Deployment as ADDED, then changes
  for (;;) {
    kube::WatchOptions options;
    options.resource_version = since;
    auto stream = cluster.watch(deployments, "bench", options);
    if (!stream) {
      std::this_thread::sleep_for(1s);
      continue;
    }
    while (auto event = (*stream)->next()) {
      if (event->type == kube::WatchEvent::Type::Error) {
        since.clear();  // too old: start over from the current objects
        break;
      }
      if (event->type == kube::WatchEvent::Type::Bookmark ||
          event->type == kube::WatchEvent::Type::Deleted) {
        since = kube::resource_version_of(event->object);
        continue;
      }
      auto& d = event->object;
      since = kube::resource_version_of(d);
      auto status = sim::deployment_status(d, true);
      if (d.value("status", json::object()) == status) continue;
      d["status"] = std::move(status);
      cluster.update_status(d);  // a conflict: the newer version's event follows
    }
  }
}

// Prometheus queries the stand-in answered so far (it counts them in its process).
long query_count(const std::string& server) {
  http::Request request;
  request.url = server + "/bench/counts";
  request.timeout = std::chrono::seconds(30);
  auto reply = http::send(request);
  if (!reply.ok()) return 0;
  auto counts = json::parse(reply.value().body, nullptr, false);
  return counts.is_object() ? counts.value("query", 0L) : 0L;
}

}  // namespace

int run_process_bench(const ProcessBenchOptions& o) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a bounded run that times out still shows its lines
  // Fork first, while this process has one thread.
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return 1;
  const pid_t child = ::fork();
  if (child < 0) return 1;
  if (child == 0) {
    ::close(pipe_fds[0]);
    run_api_process(o, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  struct KillChild {
    pid_t pid;
    ~KillChild() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } kill_child{child};
  const auto start = Steady::now();
  int port = 0;
  if (::read(pipe_fds[0], &port, sizeof port) != sizeof port) {
    std::fprintf(stderr, "bench_scale: the API process did not start\n");
    return 1;
  }
  ::close(pipe_fds[0]);
  std::printf(
      "canaries %d (runtime Manager -> RestCluster -> API stand-in in process %d, port %d)\n",
      o.canaries, static_cast<int>(child), port);
  std::printf(
      "settings interval=%llds client_qps=%s client_burst=%s api_latency=%lldms "
      "api_max_qps=%.0f metrics_latency=%lldms workers=%d metric_query_concurrency=%d "
      "max_outbound_calls=%d stagger=%llds rolling=%d\n",
      static_cast<long long>(o.interval.count()),
      o.client_qps ? std::to_string(*o.client_qps).c_str() : "auto",
      o.client_burst ? std::to_string(*o.client_burst).c_str() : "auto",
      static_cast<long long>(o.api_latency.count()), o.api_max_qps,
      static_cast<long long>(o.metrics_latency.count()), o.workers, o.metric_query_concurrency,
      o.max_outbound_calls, static_cast<long long>(o.stagger.count()),
      o.rolling > 0 ? std::min(o.rolling, o.canaries) : o.canaries);
  std::printf("api_process_ready %.1f s (objects created and initialized there)\n",
              seconds_since(start));
  const long rss_start = status_kb("VmRSS");

  base::RealClock clock;
  kube::ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.origin = "bench_scale --api-process";
  kube::RestCluster api(config, clock);
  if (auto version = api.check(); !version) {
    std::fprintf(stderr, "bench_scale: %s\n", version.error().message.c_str());
    return 1;
  }
  runtime::ManagerSettings settings;
  settings.workers = o.workers;
  settings.analysis_concurrency = o.metric_query_concurrency;
  settings.memory_return_interval = o.memory_return;
  settings.reconciler.decide.default_provider = "istio";
  // Flagger's 10 s floor on the interval, lowered for a short smoke run only.
  settings.reconciler.decide.min_interval =
      std::min<std::chrono::milliseconds>(settings.reconciler.decide.min_interval, o.interval);
  // The client's rate as `veer operator` sets it: auto unless the flags pin it.
  runtime::FleetRate fleet_rate(
      {o.client_qps, o.client_burst, settings.reconciler.decide.min_interval},
      [&](const runtime::ClientRate& rate) { api.set_rate(rate.qps, rate.burst); });
  settings.fleet_rate = &fleet_rate;
  // The operator's log (debug), as `veer operator` would write it: VEER_BENCH_LOG=<file>.
  std::ofstream log_file;
  std::optional<runtime::Logger> logger;
  if (const char* path = std::getenv("VEER_BENCH_LOG")) {
    log_file.open(path);
    logger.emplace(log_file, runtime::LogFormat::text, runtime::LogLevel::debug);
    settings.logger = &*logger;
  }
  runtime::Manager manager(api, clock, settings);
  if (auto problem = manager.check(); !problem.empty()) {
    std::fprintf(stderr, "bench_scale: %s\n", problem.c_str());
    return 1;
  }
  sim::ApprovingHooks hooks;
  // veer operator's own checker, querying the stand-in's Prometheus API over loopback (the
  // Canaries' built-in request-success-rate: one instant query per analysis step).
  auto policy = http::outbound_policy();
  policy.max_concurrent_calls = o.max_outbound_calls;
  http::set_outbound_policy(policy);
  runtime::MetricsCheckerSettings checker_settings;
  checker_settings.metrics_server = config.server;
  runtime::AnalysisMetricsChecker metrics(manager.cache(), clock, checker_settings);
  NoAlerts alerts;
  std::atomic<long> analyses{0};  // passes that decided a step with a verdict
  std::mutex mutex;
  std::map<std::string, model::CanaryPhase> phases;
  std::map<std::string, Steady::time_point> last_step;  // of each Canary, to time the next
  std::vector<double> step_cpu_ms, late_s;
  std::map<std::string, Steady::time_point> due_at;         // when each Canary's last step fell due
  std::map<std::string, Steady::time_point> first_pass_at;  // its first pass once the next fell due
  std::vector<double> due_late_s;                           // a step done minus when it fell due
  // The same steps by which step of its Canary each was and by the minute it fell due, to see
  // which steps are late (the first waves, while new revisions still arrive, or all of them).
  struct DueStep {
    int step = 0;      // 1: the first step timed from the one before it
    double due_s = 0;  // when it fell due, seconds since the rollout began
    double late_s = 0;
    double first_pass_s = 0;  // the Canary's first pass at or after due, minus due
  };
  std::vector<DueStep> due_steps;
  std::map<std::string, int> steps_timed;        // of each Canary in this rollout
  std::map<std::string, double> cpu_since_step;  // reconcile CPU of a Canary since its last step
  std::optional<Steady::time_point> rollout_start;
  std::map<std::string, Steady::time_point> revised_at;  // when each Canary got its new image
  std::vector<double> first_write_s;  // new revision -> the Canary's first reconcile writing
  manager.on_report([&](const controller::ReconcileReport& report) {
    thread_local std::int64_t last = thread_cpu_ns();
    const auto now_cpu = thread_cpu_ns();
    const double ms = static_cast<double>(now_cpu - last) / 1e6;
    last = now_cpu;
    const auto now = Steady::now();
    std::lock_guard lock(mutex);
    const auto before = phases.count(report.key) ? phases[report.key] : report.phase;
    phases[report.key] = report.phase;
    if (rollout_start && before != model::CanaryPhase::Progressing &&
        report.phase == model::CanaryPhase::Progressing) {
      auto revised = revised_at.find(report.key);
      const auto since = revised == revised_at.end() ? *rollout_start : revised->second;
      first_write_s.push_back(std::chrono::duration<double>(now - since).count());
    }
    // A step's passes: the one that asks for the analysis (it runs on the analysis threads),
    // the one that gets its result, and any the watch starts between.
    cpu_since_step[report.key] += ms;
    // The first pass once a step fell due: what came before it was waiting for a worker (or
    // a token); what comes after, the analysis and the deciding pass.
    if (auto due = due_at.find(report.key);
        due != due_at.end() && !first_pass_at.count(report.key) && now >= due->second + o.interval)
      first_pass_at[report.key] = now;
    if (report.verdicts.empty()) return;
    ++analyses;
    step_cpu_ms.push_back(cpu_since_step[report.key]);
    cpu_since_step[report.key] = 0;
    auto it = last_step.find(report.key);
    if (it != last_step.end())
      late_s.push_back(std::chrono::duration<double>(now - it->second).count() -
                       static_cast<double>(o.interval.count()));
    last_step[report.key] = now;
    first_pass_at.erase(report.key);
    // When this step fell due, by the operator's rule (decide.cpp step_time): one interval
    // after the previous step's due time, unless that is an interval or more ago.
    auto due = due_at.find(report.key);
    if (due != due_at.end()) {
      const auto next = due->second + o.interval;
      const double late = std::chrono::duration<double>(now - next).count();
      due_late_s.push_back(late);
      const auto first = first_pass_at.count(report.key) ? first_pass_at[report.key] : now;
      if (rollout_start)
        due_steps.push_back({++steps_timed[report.key],
                             std::chrono::duration<double>(next - *rollout_start).count(), late,
                             std::chrono::duration<double>(first - next).count()});
      due->second = late < static_cast<double>(o.interval.count()) ? next : now;
    } else {
      due_at[report.key] = now;
    }
  });
  const double cpu0 = process_cpu_seconds();
  const auto sync_start = Steady::now();
  manager.start({hooks, metrics, alerts});
  if (!manager.wait_for_sync(std::chrono::minutes(10))) {
    std::fprintf(stderr, "bench_scale: informers did not sync: %s\n",
                 manager.readiness().detail.c_str());
    return 1;
  }
  auto all_in = [&](model::CanaryPhase phase) {
    std::lock_guard lock(mutex);
    if (static_cast<int>(phases.size()) < o.canaries) return false;
    return std::all_of(phases.begin(), phases.end(),
                       [&](const auto& entry) { return entry.second == phase; });
  };
  const auto deadline = start + o.timeout;
  while (!all_in(model::CanaryPhase::Initialized) && Steady::now() < deadline)
    std::this_thread::sleep_for(100ms);
  std::printf("sync_and_first_pass %.1f s wall, %.1f s CPU\n", seconds_since(sync_start),
              process_cpu_seconds() - cpu0);
  std::this_thread::sleep_for(2s);
  std::printf(
      "rss_operator_idle %ld kB (VmRSS of the operator process; %ld kB before the Manager)\n",
      status_kb("VmRSS"), rss_start);
  // The operator's own peak so far: the informers' first lists and every Canary's first pass
  // (for a new fleet: its primary, Services and routes created). Read before the cache report
  // below, whose lists parse every cached object at once in this process.
  std::printf("rss_operator_peak_startup %ld kB (VmHWM after the first passes)\n",
              status_kb("VmHWM"));
  // How much of it is memory the allocator holds free (the start-up lists' transient JSON).
  malloc_trim(0);
  std::printf("rss_operator_idle_after_malloc_trim %ld kB\n", status_kb("VmRSS"));
  // What the allocator says is in use: live objects, as against the RSS it holds.
  const struct mallinfo2 heap = mallinfo2();
  std::printf("heap_in_use %zu kB (malloc'd, all arenas), heap_free %zu kB, mmapped %zu kB\n",
              (heap.uordblks + heap.hblkhd) / 1024, heap.fordblks / 1024, heap.hblkhd / 1024);
  // What the caches hold, type by type: objects, their JSON text, and an estimate of what the
  // parsed objects take on the heap (nlohmann::json: a map node per member, a vector per array,
  // a heap block per long string).
  for (const auto& type :
       {controller::canary_type(), runtime::types::deployments(), runtime::types::services(),
        kube::type_of("networking.istio.io/v1beta1", "VirtualService"),
        kube::type_of("networking.istio.io/v1beta1", "DestinationRule")}) {
    auto listed = manager.cache().list(type, "");
    if (!listed) continue;
    std::size_t text = 0, parsed = 0;
    for (const auto& item : listed->items) {
      text += item.dump().size();
      parsed += json_heap_bytes(item);
    }
    std::printf("cache %s: %zu objects, %zu kB as JSON text, about %zu kB parsed\n",
                type.kind.c_str(), listed->items.size(), text / 1024, parsed / 1024);
  }
  // The rollout's peak is of the rollout: not of the report above.
  malloc_trim(0);
  if (!reset_peak_rss())
    std::printf("(VmHWM could not be reset: the peak below includes the above)\n");
  if (o.idle_only) {
    std::fflush(stdout);
    manager.stop();
    return 0;
  }

  // Every Deployment gets a new image: at once, or in batches every 100 ms over --stagger.
  auto revise = [&](int from, int to) {
    {
      std::lock_guard lock(mutex);
      const auto now = Steady::now();
      for (int i = from; i < to; ++i) revised_at["bench/" + fleet_name(i)] = now;
    }
    http::Request trigger;
    trigger.method = "POST";
    trigger.url =
        config.server + "/bench/rollout/" + std::to_string(from) + "/" + std::to_string(to);
    trigger.timeout = std::chrono::minutes(5);
    return http::send(trigger).ok();
  };
  const auto calls0 = manager.api_requests();
  const auto throttled0 = api.request_counts()["throttled"];
  const long analyses0 = analyses;
  const auto reconciles0 = manager.reconciles();
  const long queries0 = query_count(config.server);
  const double rollout_cpu0 = process_cpu_seconds();
  const double api_cpu0 = process_cpu_seconds(child);
  {
    std::lock_guard lock(mutex);
    step_cpu_ms.clear();
    cpu_since_step.clear();
    last_step.clear();
    due_at.clear();
    first_pass_at.clear();
    due_late_s.clear();
    due_steps.clear();
    steps_timed.clear();
    rollout_start = Steady::now();
  }
  const auto rollout_wall = Steady::now();
  const int rolling = o.rolling > 0 ? std::min(o.rolling, o.canaries) : o.canaries;
  // The rollout is over when every Canary given a new image has Succeeded (the idle ones stay
  // Initialized).
  auto rolled_out = [&] {
    std::lock_guard lock(mutex);
    return std::count_if(phases.begin(), phases.end(), [](const auto& entry) {
             return entry.second == model::CanaryPhase::Succeeded;
           }) == rolling;
  };
  const int batches = std::max(1, static_cast<int>(o.stagger.count()) * 10);
  std::atomic<bool> revise_failed{false};
  std::thread reviser([&] {
    for (int b = 0; b < batches; ++b) {
      std::this_thread::sleep_until(rollout_wall + b * 100ms);
      const int from = static_cast<int>(static_cast<long>(rolling) * b / batches);
      const int to = static_cast<int>(static_cast<long>(rolling) * (b + 1) / batches);
      if (from < to && !revise(from, to)) revise_failed = true;
    }
  });
  std::vector<std::size_t> depths, analyses_waiting;
  std::vector<long> rss_kb;
  bool done = false;
  auto passes_before = manager.reconciles();
  while (Steady::now() < deadline) {
    depths.push_back(manager.queue_depth());
    rss_kb.push_back(status_kb("VmRSS"));
    analyses_waiting.push_back(manager.analyses_queued());
    if (depths.size() % 20 == 1) {  // every 10 s: where the fleet is
      std::map<std::string, int> by_phase;
      {
        std::lock_guard lock(mutex);
        for (const auto& [key, phase] : phases) ++by_phase[std::string(model::to_string(phase))];
      }
      std::printf("at %.0f s: queue %zu,", seconds_since(rollout_wall), depths.back());
      for (const auto& [phase, count] : by_phase) std::printf(" %s %d", phase.c_str(), count);
      const auto passes = manager.reconciles();
      std::printf(", passes %zu since the line before\n", passes - passes_before);
      passes_before = passes;
      // A few left behind: say which and what their status says.
      std::vector<std::string> behind;
      {
        std::lock_guard lock(mutex);
        for (const auto& [key, phase] : phases)
          if (phase != model::CanaryPhase::Succeeded && revised_at.count(key) && behind.size() < 3)
            behind.push_back(key);
      }
      if (by_phase["Succeeded"] >= rolling - 3)
        for (const auto& key : behind) {
          const auto slash = key.find('/');
          auto got = manager.cache().get(
              {controller::canary_type(), key.substr(0, slash), key.substr(slash + 1)});
          if (got) {
            auto status = got->value("status", kube::Json::object());
            status.erase("evidence");
            auto& history = status["rollout"]["history"];
            if (history.is_array() && history.size() > 4)
              history.erase(history.begin(), history.end() - 4);
            std::printf("  %s: %s\n", key.c_str(), status.dump().c_str());
          }
        }
      std::fflush(stdout);
    }
    if (rolled_out()) {
      done = true;
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  reviser.join();
  if (revise_failed) {
    std::fprintf(stderr, "bench_scale: could not give every Deployment its new image\n");
    return 1;
  }
  const double wall = seconds_since(rollout_wall);
  const auto calls = manager.api_requests();
  const long steps = analyses - analyses0;
  const long queries = query_count(config.server) - queries0;
  std::map<std::string, std::size_t> delta;
  std::size_t requests = 0;
  for (const auto& [verb, count] : calls) {
    delta[verb] = count - (calls0.count(verb) ? calls0.at(verb) : 0);
    requests += delta[verb];
  }
  const double per_step = steps > 0 ? 1.0 / static_cast<double>(steps) : 0;
  std::printf("rollout_all %s in %.1f s wall, %ld analysis steps, %ld Prometheus queries\n",
              done ? "Succeeded" : "NOT DONE (timeout)", wall, steps, queries);
  std::printf("api_writes_per_analysis_step %.2f (", writes_of(delta) * per_step);
  for (const char* verb : {"create", "update", "patch", "delete"})
    std::printf(" %s=%.2f", verb, static_cast<double>(delta[verb]) * per_step);
  std::printf(
      " )\nreconciles_per_analysis_step %.2f (every pass of the rollout, whatever started it)\n",
      static_cast<double>(manager.reconciles() - reconciles0) * per_step);
  std::printf("api_reads_per_analysis_step %.2f (gets and lists; watches opened %zu)\n",
              static_cast<double>(delta["get"] + delta["list"]) * per_step, delta["watch"]);
  std::printf(
      "api_requests_per_second %.1f over the rollout (client limit %.0f/s, burst %d%s); "
      "429s retried %zu\n",
      static_cast<double>(requests) / wall, fleet_rate.rate().qps, fleet_rate.rate().burst,
      o.client_qps ? "" : ", auto", api.request_counts()["throttled"] - throttled0);
  {
    std::lock_guard lock(mutex);
    std::printf(
        "cpu_per_analysis_step %.3f ms median, %.3f ms p99 (%zu steps; worker thread CPU "
        "of the Canary's reconciles since its previous step)\n",
        quantile(step_cpu_ms, 0.5), quantile(step_cpu_ms, 0.99), step_cpu_ms.size());
    std::printf("operator_cpu_during_rollout %.1f s (process, all threads)\n",
                process_cpu_seconds() - rollout_cpu0);
    std::printf(
        "api_process_cpu_during_rollout %.1f s (the stand-in for the API server, its kubelet and "
        "Prometheus, on the same cores)\n",
        process_cpu_seconds(child) - api_cpu0);
    std::printf(
        "step_late %.2f s median, %.2f s p99, %.2f s max (time between a Canary's "
        "analysis steps minus the %llds interval; %zu gaps)\n",
        quantile(late_s, 0.5), quantile(late_s, 0.99), quantile(late_s, 1.0),
        static_cast<long long>(o.interval.count()), late_s.size());
    std::printf(
        "step_late_from_due %.2f s median, %.2f s p99, %.2f s max (a step done minus when it "
        "fell due: the previous step's due time plus the interval; %zu steps; %.0f%% within "
        "10%% of the interval)\n",
        quantile(due_late_s, 0.5), quantile(due_late_s, 0.99), quantile(due_late_s, 1.0),
        due_late_s.size(),
        due_late_s.empty() ? 0.0
                           : 100.0 *
                                 static_cast<double>(std::count_if(
                                     due_late_s.begin(), due_late_s.end(),
                                     [&](double l) {
                                       return l <= 0.1 * static_cast<double>(o.interval.count());
                                     })) /
                                 static_cast<double>(due_late_s.size()));
    // Which steps were late: by the step of its Canary, and by the minute it fell due.
    const double allowed = 0.1 * static_cast<double>(o.interval.count());
    auto print_group = [&](const char* kind, long group, const std::vector<double>& late) {
      const auto within =
          std::count_if(late.begin(), late.end(), [&](double l) { return l <= allowed; });
      std::printf("step_late_by_%s %ld: %zu steps, %.2f s median, %.2f s max, %.0f%% within 10%%\n",
                  kind, group, late.size(), quantile(late, 0.5), quantile(late, 1.0),
                  100.0 * static_cast<double>(within) / static_cast<double>(late.size()));
    };
    std::map<long, std::vector<double>> by_step, by_minute, first_by_step;
    for (const auto& d : due_steps) {
      by_step[d.step].push_back(d.late_s);
      first_by_step[d.step].push_back(d.first_pass_s);
      by_minute[static_cast<long>(d.due_s / 60.0)].push_back(d.late_s);
    }
    for (const auto& [step, late] : by_step) {
      print_group("step", step, late);
      std::printf("  of which to its first pass: %.2f s median, %.2f s max\n",
                  quantile(first_by_step[step], 0.5), quantile(first_by_step[step], 1.0));
    }
    for (const auto& [minute, late] : by_minute) print_group("minute_due", minute, late);
    std::printf("new_revision_to_progressing %.2f s median, %.2f s max (%zu)\n",
                quantile(first_write_s, 0.5), quantile(first_write_s, 1.0), first_write_s.size());
  }
  std::printf("queue_depth %zu median, %zu max (sampled every 0.5 s)\n", quantile(depths, 0.5),
              quantile(depths, 1.0));
  std::printf("analyses_waiting_for_a_query_slot %zu median, %zu max (sampled every 0.5 s)\n",
              quantile(analyses_waiting, 0.5), quantile(analyses_waiting, 1.0));
  std::printf("rss_operator_during_rollout %ld kB median, %ld kB max (sampled every 0.5 s)\n",
              quantile(rss_kb, 0.5), quantile(rss_kb, 1.0));
  std::printf(
      "rss_operator_after_rollout %ld kB (VmRSS), peak %ld kB (VmHWM since the idle "
      "report)\n",
      status_kb("VmRSS"), status_kb("VmHWM"));
  if (o.memory_return.count() > 0) {
    // What stays once the operator has given the allocator's free memory back (MemoryReturn).
    const auto returns = manager.memory_returns();
    const auto until = Steady::now() + o.memory_return + 5s;
    while (manager.memory_returns() == returns && Steady::now() < until)
      std::this_thread::sleep_for(100ms);
    std::printf("rss_operator_after_rollout_and_a_memory_return %ld kB (VmRSS)\n",
                status_kb("VmRSS"));
  }
  std::printf("total_wall %.1f s\n\n", seconds_since(start));
  std::fflush(stdout);
  manager.stop();
  if (!done) return 1;
  if (o.check_writes_per_step) {
    const double writes = static_cast<double>(writes_of(delta)) * per_step;
    const auto reads = delta["get"] + delta["list"];
    const bool every_step = steps >= 5L * o.canaries;  // 10% to 50%: 5 analysis steps each
    std::printf(
        "check: %s writes per analysis step %.2f (at most %.2f), %zu reads, %ld of %ld "
        "analysis steps\n",
        writes <= *o.check_writes_per_step && reads == 0 && every_step ? "passed" : "FAILED",
        writes, *o.check_writes_per_step, reads, steps, 5L * o.canaries);
    if (writes > *o.check_writes_per_step || reads != 0 || !every_step) return 1;
  }
  return 0;
}

}  // namespace veer::bench
