#include "operator/runtime/manager.hpp"

#include <unistd.h>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/kube/work_queue.hpp"
#include "operator/runtime/analysis_pool.hpp"
#include "operator/runtime/cached_cluster.hpp"
#include "operator/runtime/counting_cluster.hpp"
#include "operator/runtime/denied_urls.hpp"
#include "operator/runtime/experiment_counts_source.hpp"
#include "operator/runtime/memory_return.hpp"
#include "operator/runtime/reconcile_sample.hpp"
#include "operator/runtime/watched_types.hpp"
#include "operator/server/operator_metrics.hpp"

namespace veer::runtime {
namespace {

constexpr const char* kRefsIndex = "canary-refs";
constexpr const char* kConfigsIndex = "configs";
constexpr const char* kSecretRefsIndex = "secret-refs";
// Experiments share the work queue with Canaries; their keys carry this prefix.
constexpr std::string_view kExperimentKey = "experiment:";

// The report of the reconcile running on this worker thread (CanaryReconciler reports from
// inside reconcile(); the Manager adds the duration once it returns).
thread_local std::optional<controller::ReconcileReport>* current_report = nullptr;

std::string verdict_name(controller::MetricOutcome outcome) {
  return std::string(controller::rule_for(outcome).verdict);
}

std::string default_identity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "veer") + "_" + std::to_string(getpid());
}

}  // namespace

struct Manager::Impl {
  Impl(kube::Cluster& cluster, base::Clock& c, ManagerSettings s)
      : clock(c),
        settings(std::move(s)),
        counting(cluster),
        cache(counting, clock, cache_options(settings)),
        metrics(settings.reconciler.decide.default_provider) {}

  static CacheOptions cache_options(const ManagerSettings& s) {
    CacheOptions options;
    options.ns = s.ns;
    options.lazy = true;
    options.warn = [logger = s.logger](const std::string& message) {
      if (logger) logger->log(LogLevel::warn, message, {});
    };
    return options;
  }

  base::Clock& clock;
  ManagerSettings settings;
  CountingCluster counting;
  CachedCluster cache;
  server::OperatorMetrics metrics;

  kube::Informer* canaries = nullptr;
  kube::Informer* experiments = nullptr;        // null when the Experiment CRD is not served
  std::vector<kube::Informer*> workloads;       // Deployments, DaemonSets
  std::vector<kube::Informer*> secret_holders;  // MetricTemplates, AlertProviders
  std::vector<std::string> watch_warnings;

  std::optional<Collaborators> collaborators;
  std::unique_ptr<AnalysisPool> analyses;  // null with analysis_concurrency 0
  std::unique_ptr<controller::CanaryReconciler> reconciler;
  std::unique_ptr<DeniedUrlEvents> denied_urls;               // null when Events are not written
  std::unique_ptr<ExperimentCountsSource> experiment_counts;  // when none was given
  std::unique_ptr<controller::experiment::ExperimentReconciler> experiment_reconciler;
  std::function<void(const controller::ReconcileReport&)> report_callback;
  std::vector<std::function<std::string()>> metrics_sources;

  mutable std::mutex mutex;  // queue, pool, verdict counts, stopping
  std::condition_variable changed;
  std::unique_ptr<kube::WorkQueue> queue;
  std::unique_ptr<kube::WorkerPool> pool;
  std::map<std::string, long> verdicts;
  std::set<std::string> keys;  // every Canary in the cache, for settled()
  bool started = false;
  bool stopping = false;
  std::atomic<std::size_t> reconciles{0};

  std::unique_ptr<kube::LeaderElector> elector;
  std::thread control;
  std::unique_ptr<MemoryReturn> memory_return;

  void log(LogLevel level, std::string_view msg, const LogFields& fields = {}) {
    if (settings.logger) settings.logger->log(level, msg, fields);
  }

  void enqueue(const std::string& key) {
    std::lock_guard guard(mutex);
    if (queue) queue->add(key);
  }

  // An analysis that finished: its step's pass goes ahead of passes that watch events started.
  void enqueue_first(const std::string& key) {
    std::lock_guard guard(mutex);
    if (queue) queue->add_first(key);
  }

  void enqueue_canaries(const std::string& ref) {
    if (!canaries) return;
    for (const auto& canary : canaries->by_index(kRefsIndex, ref)) enqueue(kube::key_of(canary));
  }

  // Whether a ConfigMap or Secret (`kind` "configmap" or "secret", `key` "ns/name") is referenced:
  // by the pods of a workload some Canary targets (or its -primary copy), or, for a Secret, by a
  // MetricTemplate or an AlertProvider. Only these are watched (by name).
  bool config_referenced(const std::string& kind, const std::string& key) {
    const auto slash = key.find('/');
    if (slash == std::string::npos) return false;
    const auto ref = "c/" + key.substr(0, slash) + "/" + kind + "/" + key.substr(slash + 1);
    for (auto* workload : workloads)
      for (const auto& w : workload->by_index(kConfigsIndex, ref))
        if (canaries && !canaries->by_index(kRefsIndex, workload_ref(w)).empty()) return true;
    if (kind == "secret")
      for (auto* holder : secret_holders)
        if (!holder->by_index(kSecretRefsIndex, key).empty()) return true;
    return false;
  }

  // Ends the watches of ConfigMaps and Secrets nothing refers to any more: run when a reference
  // may have gone (an object deleted, or its references changed).
  void release_unreferenced() {
    if (auto released = cache.release_unreferenced())
      log(LogLevel::debug, "stopped the watches of names no longer referenced",
          {{"watches", std::to_string(released)}});
  }

  // The client's rate follows the objects that step (FleetRate), when it is auto.
  void count_rate(const std::string& key, std::chrono::milliseconds interval) {
    if (settings.fleet_rate) settings.fleet_rate->set(key, interval);
  }

  void setup_informers() {
    std::string error;
    canaries = cache.watch_type(controller::canary_type(), error, settings.resync);
    if (!canaries) return;  // check() reports it
    canaries->add_index(kRefsIndex, canary_refs);
    canaries->add_handlers({[this](const kube::Json& c) {
                              {
                                std::lock_guard guard(mutex);
                                keys.insert(kube::key_of(c));
                              }
                              count_rate(kube::key_of(c), canary_step_interval(c));
                              enqueue(kube::key_of(c));
                            },
                            [this](const kube::Json& old_c, const kube::Json& new_c) {
                              count_rate(kube::key_of(new_c), canary_step_interval(new_c));
                              if (canary_changed(old_c, new_c)) enqueue(kube::key_of(new_c));
                              if (canary_refs(old_c) != canary_refs(new_c)) release_unreferenced();
                            },
                            [this](const kube::Json& c) {
                              release_unreferenced();
                              metrics.forget(kube::namespace_of(c), kube::name_of(c));
                              if (analyses) analyses->forget(kube::key_of(c));
                              if (denied_urls)
                                denied_urls->forget(kube::namespace_of(c), kube::name_of(c));
                              {
                                std::lock_guard guard(mutex);
                                keys.erase(kube::key_of(c));
                              }
                              if (settings.fleet_rate) settings.fleet_rate->forget(kube::key_of(c));
                              enqueue(kube::key_of(c));
                            }});

    watch_experiments();

    auto by_ref = [this](std::string (*ref)(const kube::Json&)) {
      return kube::InformerHandlers{
          [this, ref](const kube::Json& o) { enqueue_canaries(ref(o)); },
          [this, ref](const kube::Json&, const kube::Json& o) { enqueue_canaries(ref(o)); },
          [this, ref](const kube::Json& o) { enqueue_canaries(ref(o)); }};
    };
    for (const auto& type : {types::deployments(), types::daemonsets()}) {
      auto* informer = watch(type);
      if (!informer) continue;
      informer->add_index(kConfigsIndex, workload_config_refs);
      informer->add_handlers(by_ref(workload_ref));
      informer->add_handlers(releasing_when_gone(workload_config_refs));
      workloads.push_back(informer);
    }
    for (const auto& type : {types::configmaps(), types::secrets()}) {
      std::string names_error;
      auto* names = cache.watch_names(type, names_error);
      if (!names) {
        watch_warnings.push_back(type.describe() + ": " + names_error);
        continue;
      }
      names->set_referenced([this, kind = type.kind](const std::string& key) {
        std::string lower = kind == "Secret" ? "secret" : "configmap";
        return config_referenced(lower, key);
      });
      auto changed_config = [this](const kube::Json& o) {
        for (auto* workload : workloads)
          for (const auto& w : workload->by_index(kConfigsIndex, config_ref(o)))
            enqueue_canaries(workload_ref(w));
      };
      names->add_handlers({changed_config,
                           [changed_config](const kube::Json& old_o, const kube::Json& o) {
                             if (config_changed(old_o, o)) changed_config(o);
                           },
                           changed_config});
    }
    for (const auto& type : types::hpa_versions()) {
      std::string hpa_error;
      if (auto* informer = cache.watch_type(type, hpa_error)) {
        informer->add_handlers(by_ref(hpa_ref));
        break;
      }
    }
    if (auto* informer = watch(types::services())) informer->add_handlers(by_ref(service_ref));
    watch_knative_services(by_ref(workload_ref));
    // Read by the metrics checker and the alert sink; no Canary is enqueued when they change.
    for (const auto& type : {types::metric_templates(), types::alert_providers()}) {
      auto* informer = watch(type);
      if (!informer) continue;
      informer->add_index(kSecretRefsIndex, secret_refs);
      informer->add_handlers(releasing_when_gone(secret_refs));
      secret_holders.push_back(informer);
    }
  }

  // Handlers that release unreferenced names when an object holding references (`refs`) is
  // deleted or its references change.
  kube::InformerHandlers releasing_when_gone(std::vector<std::string> (*refs)(const kube::Json&)) {
    return {nullptr,
            [this, refs](const kube::Json& old_o, const kube::Json& o) {
              if (refs(old_o) != refs(o)) release_unreferenced();
            },
            [this](const kube::Json&) { release_unreferenced(); }};
  }

  // Experiments are queued on their own changes (not their status) and every resync; their
  // passes requeue themselves at each look.
  void watch_experiments() {
    // An operator whose role may not list Experiments (an older chart) still runs Canaries: an
    // informer it cannot list would hold every worker back.
    kube::ListOptions one;
    one.limit = 1;
    if (auto probe = counting.list(controller::experiment::experiment_type(), settings.ns, one);
        !probe) {
      watch_warnings.push_back(controller::experiment::experiment_type().describe() + ": " +
                               probe.error().message + " (Experiments are not reconciled)");
      return;
    }
    std::string error;
    experiments =
        cache.watch_type(controller::experiment::experiment_type(), error, settings.resync);
    if (!experiments) {
      watch_warnings.push_back(controller::experiment::experiment_type().describe() + ": " + error +
                               " (Experiments are not reconciled)");
      return;
    }
    auto key = [](const kube::Json& e) { return std::string(kExperimentKey) + kube::key_of(e); };
    experiments->add_handlers({[this, key](const kube::Json& e) {
                                 count_rate(key(e), experiment_step_interval(e));
                                 enqueue(key(e));
                               },
                               [this, key](const kube::Json& old_e, const kube::Json& new_e) {
                                 count_rate(key(new_e), experiment_step_interval(new_e));
                                 if (canary_changed(old_e, new_e)) enqueue(key(new_e));
                               },
                               [this, key](const kube::Json& e) {
                                 if (settings.fleet_rate) settings.fleet_rate->forget(key(e));
                               }});
  }

  // Knative Services, as Canary targets, only where they are served and the operator may list
  // them (a cluster without Knative, or a role without the rule): Deployments run without.
  void watch_knative_services(const kube::InformerHandlers& handlers) {
    kube::ListOptions one;
    one.limit = 1;
    const auto type = types::knative_services();
    if (auto probe = counting.list(type, settings.ns, one); !probe) {
      watch_warnings.push_back(type.describe() + ": " + probe.error().message +
                               " (Canaries of Knative Services are not reconciled)");
      return;
    }
    if (auto* informer = watch(type)) informer->add_handlers(handlers);
  }

  kube::Informer* watch(const kube::ResourceType& type) {
    std::string error;
    auto* informer = cache.watch_type(type, error);
    if (!informer) watch_warnings.push_back(type.describe() + ": " + error);
    return informer;
  }

  kube::ReconcileResult reconcile(const std::string& key) {
    if (key.rfind(kExperimentKey, 0) == 0) {
      auto result = experiment_reconciler->reconcile(key.substr(kExperimentKey.size()));
      ++reconciles;
      if (!result.error.empty())
        log(LogLevel::warn, "experiment reconcile failed; retrying with backoff",
            {{"experiment", key.substr(kExperimentKey.size())}, {"error", result.error}});
      return result;
    }
    if (denied_urls) {
      // Unpacked and parsed only when its resourceVersion is new (DeniedUrlEvents).
      if (auto version = canaries->cached_resource_version(key))
        denied_urls->check(key, *version, [&] { return canaries->get(key); });
    }
    std::optional<controller::ReconcileReport> report;
    current_report = &report;
    const auto began = std::chrono::steady_clock::now();
    auto result = reconciler->reconcile(key);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    current_report = nullptr;
    ++reconciles;
    if (report) {
      metrics.observe(sample_of(*report), seconds);
      {
        std::lock_guard guard(mutex);
        for (const auto& v : report->verdicts) ++verdicts[verdict_name(v.outcome)];
      }
      log_report(*report, seconds);
      if (report_callback) report_callback(*report);
    }
    return result;
  }

  void log_report(const controller::ReconcileReport& r, double seconds) {
    const std::string phase(model::to_string(r.phase));
    LogFields fields{{"canary", r.name},
                     {"namespace", r.ns},
                     {"phase", phase},
                     {"weight", std::to_string(r.canary_weight)}};
    for (const auto& event : r.events)
      log(event.warning ? LogLevel::warn : LogLevel::info, event.message, fields);
    for (const auto& v : r.verdicts) {
      auto f = fields;
      f.push_back({"metric", v.name});
      f.push_back({"verdict", verdict_name(v.outcome)});
      log(LogLevel::debug, v.message.empty() ? "metric checked" : v.message, f);
    }
    if (!r.error.empty()) {
      auto f = fields;
      f.push_back({"error", r.error});
      log(LogLevel::warn, "reconcile failed; retrying with backoff", f);
    }
    auto f = fields;
    f.push_back({"seconds", std::to_string(seconds)});
    log(LogLevel::trace, "reconciled", f);
  }

  void start_workers() {
    std::lock_guard guard(mutex);
    if (pool || stopping) return;
    kube::BackoffPolicy backoff;
    backoff.base = std::chrono::milliseconds(100);
    backoff.cap = std::chrono::minutes(5);
    queue = std::make_unique<kube::WorkQueue>(clock, backoff);
    if (canaries)
      for (const auto& canary : canaries->list()) queue->add(kube::key_of(canary));
    if (experiments)
      for (const auto& e : experiments->list())
        queue->add(std::string(kExperimentKey) + kube::key_of(e));
    pool = std::make_unique<kube::WorkerPool>(
        *queue, std::max(1, settings.workers),
        [this](const std::string& key) { return reconcile(key); });
    log(LogLevel::info, "workers started", {{"workers", std::to_string(settings.workers)}});
  }

  void stop_workers() {
    std::unique_ptr<kube::WorkerPool> p;
    std::unique_ptr<kube::WorkQueue> q;
    {
      std::lock_guard guard(mutex);
      p = std::move(pool);
      q = std::move(queue);
    }
    if (!p) return;
    p->stop();  // shuts the queue down, waits for the reconciles in flight
    p.reset();
    q.reset();
    log(LogLevel::info, "workers stopped");
  }

  bool wait_stopping(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, d, [this] { return stopping; });
  }

  void run_control() {
    // Workers start once every cache is filled: a reconcile on a half-listed cache would see
    // the target missing.
    for (int second = 1; !cache.wait_for_sync(std::chrono::seconds(1)); ++second) {
      if (wait_stopping(std::chrono::milliseconds(0))) return;
      if (second == 5 || second % 60 == 0)
        log(LogLevel::warn, "waiting for caches; workers start once every type is listed",
            {{"pending", cache.unsynced()}});
    }
    log(LogLevel::info, "caches synced");
    if (!elector) {
      start_workers();
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return stopping; });
      }
      stop_workers();
      return;
    }
    kube::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] {
      log(LogLevel::info, "became leader", {{"identity", settings.leader_election.identity}});
      start_workers();
    };
    callbacks.on_stopped_leading = [this] {
      log(LogLevel::info, "stopped leading", {{"identity", settings.leader_election.identity}});
      stop_workers();
    };
    callbacks.on_new_leader = [this](const std::string& identity) {
      if (identity != settings.leader_election.identity)
        log(LogLevel::info, "leader is elsewhere", {{"leader", identity}});
    };
    while (!wait_stopping(std::chrono::milliseconds(0))) elector->run(callbacks);
  }
};

Manager::Manager(kube::Cluster& cluster, base::Clock& clock, ManagerSettings settings)
    : impl_(std::make_unique<Impl>(cluster, clock, std::move(settings))) {
  auto& s = impl_->settings;
  if (s.leader_election.identity.empty()) s.leader_election.identity = default_identity();
  impl_->metrics.set_queue_depth([this] { return queue_depth(); });
  impl_->setup_informers();
}

Manager::~Manager() {
  stop();
}

std::string Manager::check() const {
  auto resolved = impl_->counting.resolve(controller::canary_type());
  if (!resolved) {
    return "the Canary CRD (canaries.veer.dev, version v1beta1) is not served: " +
           resolved.error().message + " (install it: kubectl apply -f crds/canary.yaml)";
  }
  return "";
}

kube::Cluster& Manager::cache() {
  return impl_->cache;
}

void Manager::start(Collaborators collaborators) {
  auto& d = *impl_;
  {
    std::lock_guard guard(d.mutex);
    if (d.started || d.stopping) return;
    d.started = true;
  }
  d.collaborators.emplace(collaborators);
  controller::MetricsChecker* metrics = &collaborators.metrics;
  if (d.settings.analysis_concurrency > 0) {
    d.analyses =
        std::make_unique<AnalysisPool>(collaborators.metrics, d.settings.analysis_concurrency,
                                       [&d](const std::string& key) { d.enqueue_first(key); });
    metrics = d.analyses.get();
  }
  d.reconciler = std::make_unique<controller::CanaryReconciler>(
      d.cache, d.clock, collaborators.hooks, *metrics, collaborators.alerts, d.settings.reconciler);
  auto* experiment_metrics = collaborators.experiments;
  if (!experiment_metrics) {
    d.experiment_counts = std::make_unique<ExperimentCountsSource>(d.cache);
    experiment_metrics = d.experiment_counts.get();
  }
  controller::experiment::ExperimentReconcilerSettings experiment_settings;
  experiment_settings.decide.min_interval = d.settings.reconciler.decide.min_interval;
  experiment_settings.decide.poll_interval = d.settings.reconciler.decide.poll_interval;
  experiment_settings.write_kubernetes_events = d.settings.reconciler.write_kubernetes_events;
  experiment_settings.default_provider = d.settings.reconciler.decide.default_provider;
  experiment_settings.ingress_annotations_prefix = d.settings.reconciler.ingress_annotations_prefix;
  d.experiment_reconciler = std::make_unique<controller::experiment::ExperimentReconciler>(
      d.cache, d.clock, *experiment_metrics, experiment_settings,
      controller::experiment::ExperimentOutbound{&collaborators.hooks,
                                                 collaborators.experiment_alerts});
  if (d.settings.reconciler.write_kubernetes_events)
    d.denied_urls = std::make_unique<DeniedUrlEvents>(d.cache, d.clock);
  d.reconciler->on_report([](const controller::ReconcileReport& report) {
    if (current_report) *current_report = report;
  });
  for (const auto& warning : d.watch_warnings)
    d.log(LogLevel::warn, "not watching a type; reads go to the API server", {{"type", warning}});
  if (d.settings.leader_elect)
    d.elector =
        std::make_unique<kube::LeaderElector>(d.counting, d.clock, d.settings.leader_election);
  d.cache.start();
  d.control = std::thread([&d] { d.run_control(); });
  d.memory_return = std::make_unique<MemoryReturn>(
      d.settings.memory_return_interval, MemoryReturn::Release{},
      [&d](const MemoryReturned& returned) {
        d.log(LogLevel::debug, "gave free memory back to the system",
              {{"rssBeforeKB", std::to_string(returned.rss_before_kb)},
               {"rssAfterKB", std::to_string(returned.rss_after_kb)}});
      });
}

void Manager::stop() {
  auto& d = *impl_;
  {
    std::lock_guard guard(d.mutex);
    if (d.stopping && !d.control.joinable()) return;
    d.stopping = true;
    d.changed.notify_all();
  }
  if (d.elector) d.elector->stop();  // run() returns, stopping the workers and releasing
  if (d.control.joinable()) d.control.join();
  d.stop_workers();
  // Before the caller's checker goes: an analysis in flight finishes, its result is dropped.
  if (d.analyses) d.analyses->stop();
  d.cache.stop();
  if (d.memory_return) d.memory_return->stop();
}

Readiness Manager::readiness() const {
  Readiness r;
  r.detail = impl_->cache.unsynced();
  r.ready = r.detail.empty();
  r.leader_election = impl_->settings.leader_elect;
  if (impl_->elector) {
    r.leader = impl_->elector->is_leader();
    r.leader_identity = impl_->elector->observed_leader();
  }
  return r;
}

bool Manager::leading() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->pool != nullptr;
}

bool Manager::wait_for_sync(std::chrono::milliseconds timeout) const {
  return impl_->cache.wait_for_sync(timeout);
}

std::string Manager::metrics_text() const {
  auto& d = *impl_;
  std::ostringstream out;
  out << d.metrics.render();
  out << "# HELP veer_metric_verdicts_total metric verdicts of every analysis, by verdict\n"
         "# TYPE veer_metric_verdicts_total counter\n";
  {
    std::lock_guard guard(d.mutex);
    for (const auto& rule : controller::verdict_rules()) {
      const std::string verdict(rule.verdict);
      auto it = d.verdicts.find(verdict);
      out << "veer_metric_verdicts_total{verdict=\"" << verdict << "\"} "
          << (it == d.verdicts.end() ? 0 : it->second) << "\n";
    }
  }
  out << "# HELP veer_api_requests_total requests sent to the Kubernetes API server, by verb\n"
         "# TYPE veer_api_requests_total counter\n";
  for (const auto& [verb, count] : d.counting.counts())
    out << "veer_api_requests_total{verb=\"" << verb << "\"} " << count << "\n";
  out << "# HELP veer_reconciles_total reconciles run\n# TYPE veer_reconciles_total counter\n"
      << "veer_reconciles_total " << d.reconciles.load() << "\n";
  out << "# HELP veer_cache_synced 1 once every informer has listed its type\n"
         "# TYPE veer_cache_synced gauge\n"
      << "veer_cache_synced " << (d.cache.has_synced() ? 1 : 0) << "\n";
  out << "# HELP veer_informer_relists_total lists of a watched type after its first (a watch "
         "history gone, 410 Gone, or a failed list tried again)\n"
         "# TYPE veer_informer_relists_total counter\n"
      << "veer_informer_relists_total " << d.cache.relists() << "\n";
  if (d.elector) {
    out << "# HELP veer_leader 1 while this replica holds the leader lease\n"
           "# TYPE veer_leader gauge\n"
        << "veer_leader " << (d.elector->is_leader() ? 1 : 0) << "\n";
  }
  if (d.analyses) {
    out << "# HELP veer_analyses_queued Canary analyses due and waiting for a free query slot\n"
           "# TYPE veer_analyses_queued gauge\n"
        << "veer_analyses_queued " << d.analyses->queued() << "\n"
        << "# HELP veer_analyses_running Canary analyses querying their metrics now\n"
           "# TYPE veer_analyses_running gauge\n"
        << "veer_analyses_running " << d.analyses->running() << "\n";
  }
  for (const auto& source : d.metrics_sources) out << source();
  return out.str();
}

void Manager::add_metrics_source(std::function<std::string()> source) {
  impl_->metrics_sources.push_back(std::move(source));
}

void Manager::on_report(std::function<void(const controller::ReconcileReport&)> callback) {
  impl_->report_callback = std::move(callback);
}

std::size_t Manager::queue_depth() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->queue ? impl_->queue->length() : 0;
}

std::size_t Manager::analyses_queued() const {
  return impl_->analyses ? impl_->analyses->queued() : 0;
}

std::size_t Manager::reconciles() const {
  return impl_->reconciles;
}

std::size_t Manager::memory_returns() const {
  return impl_->memory_return ? impl_->memory_return->returns() : 0;
}

std::map<std::string, std::size_t> Manager::api_requests() const {
  return impl_->counting.counts();
}

bool Manager::settled(const std::string& resource_version) const {
  auto& d = *impl_;
  if (!d.cache.caught_up(resource_version)) return false;
  std::lock_guard guard(d.mutex);
  if (!d.queue) return true;
  if (d.queue->length() > 0) return false;
  if (auto due = d.queue->next_waiting(); due && *due <= d.clock.now()) return false;
  if (d.analyses && d.analyses->busy() > 0) return false;
  for (const auto& key : d.keys)
    if (d.queue->processing(key)) return false;
  return true;
}

std::optional<base::Clock::TimePoint> Manager::next_due() const {
  auto& d = *impl_;
  std::lock_guard guard(d.mutex);
  return d.queue ? d.queue->next_waiting() : std::nullopt;
}

}  // namespace veer::runtime
