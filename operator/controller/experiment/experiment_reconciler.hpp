// The reconcile of one Experiment (the Canary's order: observe, measure, decide, write the
// status as intent, then act, then tell): read the Experiment and each version's Deployment; when
// a look is due, measure every version and call analysis::experiment::experiment_step; write
// the status (weights, requests, metrics, failed objectives, posterior, evidence); then route
// the versions and promote a winner; then write Kubernetes Events and send alerts. Gates
// (spec.webhooks) are run when the decision asks for them. Every pass may be a fresh process: all
// it needs is in the status.
#pragma once

#include <functional>
#include <string>

#include "meshes/objects.hpp"
#include "model/experiment.hpp"
#include "operator/controller/experiment/experiment_alerts.hpp"
#include "operator/controller/experiment/experiment_decision.hpp"
#include "operator/controller/experiment/experiment_metrics.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/work_queue.hpp"
#include "operator/webhooks/hook_poster.hpp"

namespace veer::controller::experiment {

const kube::ResourceType& experiment_type();

// Held on every Experiment veer reconciles, so that deleting it first puts an adopted router
// object (a VirtualService, HTTPRoute or TrafficSplit veer changed but did not create) back as the
// user had it, and removes the NGINX `-canary` Ingress at once.
inline constexpr const char* kExperimentFinalizer = "veer.dev/restore-routes";

struct ExperimentReconcilerSettings {
  ExperimentDecideSettings decide;
  std::string default_provider =
      "istio";  // for an Experiment without spec.provider (--mesh-provider)
  bool write_kubernetes_events = true;
  std::string ingress_annotations_prefix = "nginx.ingress.kubernetes.io";  // nginx provider
};

// Who the reconciler calls out to besides the cluster and the metrics; null: nobody. An
// Experiment with gates (spec.webhooks) and no poster holds at its gate, saying why.
struct ExperimentOutbound {
  webhooks::HookPoster* hooks = nullptr;
  ExperimentAlertSink* alerts = nullptr;
};

// What a reconcile did, for logs and tests.
struct ExperimentReport {
  std::string key;
  model::ExperimentPhase phase = model::ExperimentPhase::Pending;
  Weights weights;
  std::vector<Event> events;
  std::string error;
};

class ExperimentReconciler {
 public:
  ExperimentReconciler(kube::Cluster& cluster, base::Clock& clock, ExperimentMetrics& metrics,
                       ExperimentReconcilerSettings settings = {},
                       ExperimentOutbound outbound = {});

  kube::ReconcileResult reconcile(const std::string& key);
  void on_report(std::function<void(const ExperimentReport&)> callback) {
    report_ = std::move(callback);
  }

 private:
  struct Context;
  bool observe(Context& ctx);
  void measure(Context& ctx);
  HookResult run_gate(Context& ctx, model::WebhookType type);
  void tell(Context& ctx);
  kube::ReconcileResult blocked(Context& ctx, const std::string& problem);
  kube::ReconcileResult finalize(Context& ctx);
  base::Status hold_finalizer(Context& ctx, bool held);
  kube::ReconcileResult done(Context& ctx, const std::string& error);
  // Each fails with a kind (base::ErrorKind) and a message naming the object.
  base::Status apply(Context& ctx, const ExperimentAction& action);
  base::Status router_objects(Context& ctx, meshes::Observed& observed);
  base::Status route(Context& ctx, const Weights& weights);
  base::Status retire_previous_router(Context& ctx);
  base::Status promote(Context& ctx, const std::string& winner);
  void write_event(Context& ctx, const Event& event);

  kube::Cluster& cluster_;
  base::Clock& clock_;
  ExperimentMetrics& metrics_;
  ExperimentReconcilerSettings settings_;
  ExperimentOutbound outbound_;
  std::function<void(const ExperimentReport&)> report_;
};

}  // namespace veer::controller::experiment
