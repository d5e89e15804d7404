// One run of `veer operator` on the real cluster with a given kubeconfig (the chart's
// ServiceAccount, or a probe account with one permission less), through every phase that needs
// a permission: an istio Canary whose target mounts a ConfigMap and a Secret and has an HPA is
// initialized, a good revision (with changed configuration) promoted, a bad one rolled back, the
// Canary moved to provider kubernetes (its VirtualService and DestinationRules deleted), and
// deleted with revertOnDeletion. The run stops early when the operator's log reports
// the refused call it is looking for; a probe of anything but an update skips the promotion, the
// changes and the rollback (the first calls of every other verb come before or after them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "e2e/chart/tests/support/permissions.hpp"

namespace veer::e2e {

struct RunOptions {
  std::string label;       // part of the namespace name
  std::string kubeconfig;  // the operator's identity
  // Namespace of the Lease (--leader-elect); empty: the run's own namespace.
  std::string lease_namespace;
  // Stop as soon as the log reports this permission refused.
  std::optional<Permission> stop_on;
  // The Canary's spec.provider (istio; for run_router gatewayapi, linkerd, nginx, contour,
  // traefik, kuma, apisix or gloo).
  std::string provider = "istio";
};

struct RunResult {
  std::vector<std::string> phases;     // the phases finished, in order
  std::string error;                   // "" when every phase finished (or the run stopped)
  bool stopped = false;                // the awaited refusal was logged
  std::vector<std::string> forbidden;  // log lines reporting a refused call
  std::string log_tail;
};

// The phases of a whole run, in order.
const std::vector<std::string>& run_phases();

RunResult run_rollout(const RunOptions& options);

// A targeted run for another router's permissions: the same Canary through options.provider (the
// Gateway API's HTTPRoute, accepted by a stand-in gateway controller, linkerd's SMI TrafficSplit,
// nginx's canary Ingress, Contour's HTTPProxy, Traefik's TraefikService, Kuma's cluster-scoped
// TrafficRoute, a copy of the user's ApisixRoute, or Gloo's RouteTable and Upstreams) is
// initialized, a good revision promoted, the Canary moved to provider kubernetes (the router's
// objects deleted) and deleted with revertOnDeletion. Phases "initialized", "promoted",
// "provider switched", "reverted"; Gloo's are gloo_phases().
const std::vector<std::string>& router_phases();
// Gloo writes its Upstreams only when they differ: after the initialization the run changes
// veer's primary Upstream and waits for veer to write it back, "upstream put back" before
// "promoted".
const std::vector<std::string>& gloo_phases();
RunResult run_router(const RunOptions& options);

// A targeted run for the Knative permissions: a Canary whose target is a Knative Service (the
// Knative controller stood in for: a Revision per template, its Ready condition, the Service's
// status) is initialized and its second revision promoted through the Service's spec.traffic.
// Phases "initialized", "promoted".
const std::vector<std::string>& knative_phases();
RunResult run_knative(const RunOptions& options);

// A targeted run for the DaemonSet writes: the istio Canary targets a DaemonSet (the daemon set
// controller's status stood in for: one node), is initialized (podinfo-primary created, the
// target patched off every node) and a good revision promoted (podinfo-primary updated). Phases
// "initialized", "promoted".
const std::vector<std::string>& daemon_set_phases();
RunResult run_daemon_set(const RunOptions& options);

// A targeted run for the Experiment controller's permissions: an A/B Experiment (istio, two
// Deployments) is started and must reach Running, which needs its informer (get, list, watch)
// and its status writes. One phase: "experiment running".
const std::vector<std::string>& experiment_phases();
RunResult run_experiment(const RunOptions& options);

}  // namespace veer::e2e
