// bench_kube [objects]: numbers for issue 3, printed as `name value unit` lines.
//   - watch events per second from the in-memory API server into an informer's cache, and the
//     resident memory the cache takes per object, at 10,000 ConfigMaps (default);
//   - API requests an idle controller (informer + work queue + workers) makes over 10
//     simulated minutes with 1,000 objects (target: nothing beyond its open watch).
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>

#include "operator/kube/informer.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/kube/work_queue.hpp"

using namespace std::chrono_literals;
using namespace veer::kube;
using veer::base::RealClock;
using veer::base::SimulatedClock;

namespace {

const ResourceType kConfigMap{"", "v1", "configmaps", "ConfigMap"};

Json config_map(int i, const std::string& value) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata",
               {{"name", "cm-" + std::to_string(i)},
                {"namespace", "default"},
                {"labels", {{"app", "bench"}, {"shard", std::to_string(i % 16)}}}}},
              {"data", {{"value", value}, {"owner", "team-" + std::to_string(i % 7)}}}};
}

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

void populate(MemoryCluster& cluster, int n) {
  for (int i = 0; i < n; ++i) {
    auto created = cluster.create(config_map(i, "v0"));
    if (!created) {
      std::fprintf(stderr, "create failed: %s\n", created.error().message.c_str());
      std::exit(1);
    }
  }
}

void watch_throughput(int n) {
  RealClock clock;
  MemoryClusterOptions options;
  options.watch_history = static_cast<std::size_t>(n) * 2;
  MemoryCluster cluster(clock, options);
  populate(cluster, n);

  long before = resident_bytes();
  Informer informer(cluster, clock, kConfigMap);
  std::mutex mutex;
  std::condition_variable cv;
  long updates = 0;
  informer.add_handlers(InformerHandlers{nullptr,
                                         [&](const Json&, const Json&) {
                                           std::lock_guard guard(mutex);
                                           ++updates;
                                           cv.notify_all();
                                         },
                                         nullptr});
  auto list_start = std::chrono::steady_clock::now();
  informer.start();
  informer.wait_for_sync(120s);
  auto list_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - list_start).count();
  long after = resident_bytes();

  // Every object changes once; the clock starts before the first write.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto current = cluster.get(ObjectRef{kConfigMap, "default", "cm-" + std::to_string(i)});
    Json next = *current;
    next["data"]["value"] = "v1";
    cluster.update(next);
  }
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return updates >= n; });
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  informer.stop();

  // The same writes with no informer attached: what the in-memory server itself costs.
  auto bare_start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto current = cluster.get(ObjectRef{kConfigMap, "default", "cm-" + std::to_string(i)});
    Json next = *current;
    next["data"]["value"] = "v2";
    cluster.update(next);
  }
  double bare =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - bare_start).count();
  std::printf("objects %d\n", n);
  std::printf("server_writes_alone %.3f s for %d get+update pairs\n", bare, n);
  std::printf("initial_list_into_cache %.3f s\n", list_seconds);
  std::printf("watch_events_per_second %.0f events/s (writes and delivery, %d updates in %.3f s)\n",
              n / seconds, n, seconds);
  std::printf("cache_memory_per_object %.0f bytes (RSS growth while listing %d objects)\n",
              static_cast<double>(after - before) / n, n);
}

void idle_controller(int n) {
  SimulatedClock clock;
  MemoryCluster cluster(clock);
  populate(cluster, n);
  auto baseline = cluster.request_counts();
  InformerOptions options;
  options.watch_timeout = 5min;
  Informer informer(cluster, clock, kConfigMap, options);
  WorkQueue queue(clock);
  informer.add_handlers(InformerHandlers{[&](const Json& o) { queue.add(key_of(o)); },
                                         [&](const Json&, const Json& o) { queue.add(key_of(o)); },
                                         [&](const Json& o) { queue.add(key_of(o)); }});
  std::mutex mutex;
  std::condition_variable cv;
  int reconciled = 0;
  // A controller that reads only from the cache and has nothing to change.
  WorkerPool workers(queue, 2, [&](const std::string& key) {
    auto object = informer.get(key);
    std::lock_guard guard(mutex);
    ++reconciled;
    cv.notify_all();
    (void)object;
    return ReconcileResult{};
  });
  informer.start();
  informer.wait_for_sync(120s);
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return reconciled >= n; });
  }
  auto started = cluster.request_counts();
  // The watch is the only timer: 10 minutes in 1-minute steps.
  for (int minute = 0; minute < 10; ++minute) {
    clock.wait_for_waiters(1);
    clock.advance(1min);
  }
  clock.wait_for_waiters(1);  // the watch reopened at minute 10
  auto ended = cluster.request_counts();
  workers.stop();
  informer.stop();
  std::size_t other = 0;
  for (const auto& [verb, count] : ended)
    if (verb != "watch") other += count - started[verb];
  std::printf("idle_controller_objects %d\n", n);
  std::printf("idle_startup_requests list=%zu watch=%zu\n", started["list"] - baseline["list"],
              started["watch"] - baseline["watch"]);
  std::printf("idle_requests_10_simulated_minutes %zu (besides watches)\n", other);
  std::printf("idle_watch_reopens_10_simulated_minutes %zu (5-minute watch timeout)\n",
              ended["watch"] - started["watch"]);
  std::printf("idle_reconciles_at_startup %d\n", reconciled);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  watch_throughput(n);
  idle_controller(1000);
  return 0;
}
