// The reconcile of one Canary (docs/architecture.md, "How a rollout moves through the parts"):
// observe the Canary, its target, the primary and the router objects; run the checks `decide` asks
// for (webhooks, metrics); write the status; apply the actions through the cluster and the router,
// writing only what differs; tell people (Kubernetes Events, event webhooks, alerts).
// Level-triggered: it can be killed at any line and the next reconcile continues from the stored
// status.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "model/canary.hpp"
#include "operator/controller/decision.hpp"
#include "operator/controller/primary_workload.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/work_queue.hpp"
#include "operator/webhooks/hook_poster.hpp"

namespace veer::meshes {
class Router;
struct Observed;
}  // namespace veer::meshes

namespace veer::controller {

// One analysis step of a Canary's metrics (canary against primary). Failures to measure are
// NoData verdicts, never exceptions.
class MetricsChecker {
 public:
  virtual ~MetricsChecker() = default;
  virtual AnalysisResult analyze(const model::Canary& canary) = 0;
  // What the reconciler calls. A checker that runs the queries off the reconcile workers
  // (runtime::AnalysisPool) answers nullopt while the analysis of this step
  // (analysis_request_id) is queued or running, and has the Canary reconciled again when it ends.
  virtual std::optional<AnalysisResult> result_for(const model::Canary& canary) {
    return analyze(canary);
  }
};

// Which analysis a Canary asks for: its spec and its status (the step, its weight and times, the
// revision). An answer computed for one id is never used for another.
// The spec is named by the object's uid and metadata.generation (the API server moves the
// generation with every change of the spec: the Canary CRD has a status subresource); a Canary
// without them (not read from a cluster) is named by its spec's JSON text. The status is compared
// by its step's numbers and a 64-bit hash of all its fields. Computed on every pass that asks for
// an analysis, so it renders nothing to JSON when the object has a uid and generation.
struct AnalysisRequestId {
  std::string spec;  // "<uid>", or the spec as JSON text when the uid or generation is missing
  std::int64_t generation = 0;
  model::CanaryPhase phase = model::CanaryPhase::None;
  std::int32_t canary_weight = 0;
  std::int32_t iterations = 0;
  std::int32_t failed_checks = 0;
  std::uint64_t status_hash = 0;  // every field of the status
  bool operator==(const AnalysisRequestId&) const = default;
};
AnalysisRequestId analysis_request_id(const model::Canary& canary);

// Where alerts go (Slack and the other notifiers, routed by the Canary's analysis.alerts).
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void send(const model::Canary& canary, const Alert& alert) = 0;
};

struct ReconcilerSettings {
  DecideSettings decide;
  CloneSettings clone;
  int max_concurrent_rollouts = 0;     // 0 = no limit
  int max_rollouts_per_namespace = 0;  // 0 = no limit
  std::string event_webhook;           // --event-webhook, for Canaries without an event hook
  std::string ingress_annotations_prefix = "nginx.ingress.kubernetes.io";  // nginx provider
  bool write_kubernetes_events = true;
};

inline constexpr const char* kFinalizer = "veer.dev/finalizer";
// status.rollout.waitingFor while the Canary or its target must be fixed by the user.
inline constexpr const char* kWaitingForFix = "a fix of the Canary or its target";
// status.rollout.waitingFor while the router has not applied the routes veer wrote (a Gateway
// API route its parents have not accepted at its current generation).
inline constexpr const char* kWaitingForRoutes = "the router to apply the routes";
const kube::ResourceType& canary_type();

// What a reconcile did, for progress output, metrics and tests.
struct ReconcileReport {
  std::string key;
  std::string ns;
  std::string name;
  std::string target;                   // spec.targetRef.name
  std::string strategy;                 // canary | ab-testing | blue-green
  std::vector<MetricVerdict> verdicts;  // when this pass analysed metrics
  model::CanaryPhase phase = model::CanaryPhase::None;
  int canary_weight = 0;
  std::vector<Event> events;
  RunEnd run_end = RunEnd::None;
  std::string error;
};

class CanaryReconciler {
 public:
  CanaryReconciler(kube::Cluster& cluster, base::Clock& clock, webhooks::HookPoster& hooks,
                   MetricsChecker& metrics, AlertSink& alerts, ReconcilerSettings settings = {});

  kube::ReconcileResult reconcile(const std::string& key);
  // Called after every reconcile (from the worker's thread).
  void on_report(std::function<void(const ReconcileReport&)> callback) {
    report_ = std::move(callback);
  }

 private:
  struct Context;
  // The report of a pass that decided nothing (the status as read).
  void report_unchanged(Context& ctx, const std::string& error);
  kube::ReconcileResult fail(Context& ctx, const std::string& error);
  // A problem only the user can fix (invalid spec, missing target): said once in the status
  // and a Warning event, then retried with backoff.
  kube::ReconcileResult blocked(Context& ctx, const std::string& problem);
  // The status and event part of `blocked`; returns the problem (with a failed status write).
  std::string say_blocked(Context& ctx, const std::string& problem);
  void write_event(Context& ctx, const Event& event);
  bool observe(Context& ctx);
  bool observe_workloads(Context& ctx);
  bool observe_revisions(Context& ctx);
  base::Status retire_previous_router(Context& ctx);
  base::Status observe_router_objects(Context& ctx, const meshes::Router& router,
                                      meshes::Observed& observed);
  std::string routes_pending(Context& ctx);
  // One of the router's objects: as routes_pending read it this pass while no action but the
  // target's scale has been applied since (taken once), else read from the cluster.
  kube::Result<kube::Json> read_router_object(Context& ctx, const kube::ObjectRef& ref);
  kube::ReconcileResult wait_for_routes(Context& ctx, const std::string& why);
  void observe_scaler(Context& ctx);
  base::Status run_checks(Context& ctx);
  // The writes of a pass: each fails with a kind (base::ErrorKind); `invalid` is the user's to
  // fix (reconcile blocks on it, saying it in the status once), any other is retried.
  base::Status write_status(Context& ctx);
  base::Status apply(Context& ctx, const Action& action);
  std::optional<base::Status> apply_knative(Context& ctx, const Action& action);
  base::Status apply_router(Context& ctx, const meshes::Routes& routes, bool finalize);
  base::Status apply_primary(Context& ctx, bool create_only);
  base::Status apply_primary_scaler(Context& ctx, bool create_only);
  base::Status scale_target(Context& ctx, long replicas);
  base::Status set_finalizer(Context& ctx, bool present);
  void tell(Context& ctx);
  bool slot_free(const Context& ctx, std::string& message);

  kube::Cluster& cluster_;
  base::Clock& clock_;
  webhooks::HookPoster& hooks_;
  MetricsChecker& metrics_;
  AlertSink& alerts_;
  ReconcilerSettings settings_;
  std::function<void(const ReconcileReport&)> report_;
  // Hook results of a step whose analysis was still running (by Canary key, with the
  // analysis_request_id they were for): the pass that gets the analysis uses them instead of
  // calling the hooks again. Memory only: after a restart the hooks run again.
  struct HeldChecks {
    AnalysisRequestId request_id;
    std::map<model::WebhookType, HookResult> hooks;
  };
  std::mutex held_mutex_;
  std::map<std::string, HeldChecks> held_;
};

}  // namespace veer::controller
