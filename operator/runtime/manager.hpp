// The operator's runtime: informers on Canaries (and Experiments) and on everything that maps back
// to one (Deployments, DaemonSets, ConfigMaps, Secrets, HPAs, Services), a work queue and workers
// running CanaryReconciler::reconcile, reads served from the informers' caches, optional leader
// election, and the numbers /metrics and /readyz show. Used by `veer operator` (RestCluster,
// RealClock), the scale bench and tests (MemoryCluster, SimulatedClock).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/experiment/experiment_alerts.hpp"
#include "operator/controller/experiment/experiment_metrics.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/leader_election.hpp"
#include "operator/runtime/fleet_rate.hpp"
#include "operator/runtime/logger.hpp"
#include "operator/webhooks/hook_poster.hpp"

namespace veer::runtime {

struct ManagerSettings {
  std::string ns;  // watch only this namespace; "" = all
  controller::ReconcilerSettings reconciler;
  int workers = 2;
  // Canaries' metric analyses run on this many threads of their own, never on the workers: at
  // most this many queries are in flight (each analysis runs its queries one after another).
  // 0: on the workers, as before (a slow Prometheus then holds a worker per query).
  int analysis_concurrency = 16;
  // Every Canary is reconciled again this often even when nothing changed (level-triggered
  // safety net); served from the cache, so it costs no API reads. 0 = never.
  base::Clock::Duration resync = std::chrono::minutes(5);
  // The allocator's free memory is given back to the system this often (MemoryReturn). 0 = never.
  std::chrono::milliseconds memory_return_interval = std::chrono::seconds(30);
  bool leader_elect = false;
  kube::LeaderElectionConfig leader_election;
  // Told of every Canary and Experiment the informers see and of each one gone, with its step
  // interval (`--kube-api-qps auto`); null: the client's rate is fixed.
  FleetRate* fleet_rate = nullptr;
  Logger* logger = nullptr;  // null: no logs
};

// What the reconciler calls out to.
struct Collaborators {
  webhooks::HookPoster& hooks;
  controller::MetricsChecker& metrics;
  controller::AlertSink& alerts;
  // Where Experiments' per-version counts come from; null: an ExperimentCountsSource on the
  // cache with a Prometheus at http://prometheus:9090 (or each Experiment's metricsServer).
  controller::experiment::ExperimentMetrics* experiments = nullptr;
  // Where Experiments' alerts go (spec.alerts); null: no alerts, Events only. Experiments' gates
  // use `hooks`.
  controller::experiment::ExperimentAlertSink* experiment_alerts = nullptr;
};

// /readyz: ready once every informer has listed its type (and, with leader election, the
// field says whether this replica leads; a standby is ready too).
struct Readiness {
  bool ready = false;
  bool leader_election = false;
  bool leader = false;
  std::string leader_identity;  // the lease holder seen last
  std::string detail;           // which informer has not synced, and its last error
};

class Manager {
 public:
  Manager(kube::Cluster& cluster, base::Clock& clock, ManagerSettings settings = {});
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Checks that the Canary CRD is served: "" or a message naming the CRD. Call before start().
  std::string check() const;

  // The cluster as the reconciler sees it: gets and lists of watched types from the informers'
  // caches (with our own writes visible at once), everything else and every write to the API.
  // Lives as long as the Manager; hand it to a MetricsChecker or AlertSink that reads objects.
  kube::Cluster& cache();

  // Starts the informers and (right away, or once elected) the workers. Returns at once.
  void start(Collaborators collaborators);
  // Graceful: stops the workers after their current reconcile, releases the lease, stops the
  // informers. Idempotent.
  void stop();

  Readiness readiness() const;
  bool leading() const;  // workers are running
  // Blocks (real time, on a condition) until every informer has synced; false on timeout.
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  // The /metrics body: Flagger's series under veer_, verdicts, API requests, queue depth.
  std::string metrics_text() const;
  // Extra text appended to /metrics (e.g. the notification counters).
  void add_metrics_source(std::function<std::string()> source);

  // After every reconcile (from a worker thread), after the Manager's own bookkeeping.
  void on_report(std::function<void(const controller::ReconcileReport&)> callback);

  std::size_t queue_depth() const;
  std::size_t analyses_queued() const;  // due analyses waiting for a query slot
  std::size_t reconciles() const;       // reconciles run so far
  std::size_t memory_returns() const;   // times free memory was given back to the system
  // Requests this Manager sent to the cluster it was given, by verb (get, list, watch, create,
  // update, patch, delete): what an operator costs the API server.
  std::map<std::string, std::size_t> api_requests() const;

  // For simulations (tests, benchmarks, demos): true when every informer has seen the cluster
  // up to `resource_version` (send bookmarks first) and no Canary is queued, due (a delayed key
  // whose time has come, not yet taken by a worker) or being reconciled.
  bool settled(const std::string& resource_version) const;
  // For simulations: when the earliest delayed key falls due. The clock knows it only while a
  // worker waits for it, not while one is between two waits.
  std::optional<base::Clock::TimePoint> next_due() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace veer::runtime
