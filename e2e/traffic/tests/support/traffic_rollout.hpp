// One Canary's rollouts with real traffic: a namespace on the real API server with the target
// Deployment and its Canary (istio, linkerd or gatewayapi); nginx, Prometheus, the data-plane
// stand-in and a load generator on 127.0.0.1; `veer operator` as its own process with
// --metrics-server at that Prometheus. `roll_out` changes the image and follows the Canary's status
// and the routing object until the run ends, keeping every distinct state it saw (the controller
// e2e's State and Trail).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "e2e/controller/tests/support/kubelet.hpp"
#include "e2e/controller/tests/support/operator_process.hpp"
#include "e2e/controller/tests/support/scenario.hpp"
#include "e2e/traffic/tests/support/data_plane.hpp"
#include "e2e/traffic/tests/support/load_generator.hpp"
#include "e2e/traffic/tests/support/nginx_process.hpp"
#include "e2e/traffic/tests/support/prometheus_process.hpp"

namespace veer::e2e::traffic {

// The cluster of VEER_TEST_KUBECONFIG, when the upstream router CRDs are there too. They live
// beside the repository, not in it (other projects' files): a clone without them skips, as
// meshes/tests does, but a folder named by VEER_UPSTREAM_CRDS must exist (install_crds fails).
// Without VEER_TEST_KUBECONFIG the case is marked skipped and nullptr returned.
std::unique_ptr<E2eCluster> traffic_cluster();

// Applies veer's own CRDs (crds/) and the upstream Istio, SMI and Gateway API CRDs
// (upstream_crds_dir(), not veer's copies in meshes/crds) and waits until they are established; ""
// or the error.
std::string install_crds(const E2eCluster& cluster);

struct CanaryOptions {
  std::string provider = "istio";  // spec.provider and --mesh-provider: istio, linkerd, gatewayapi
  // analysis.interval: 10 s is the shortest veer runs (it floors shorter ones, as Flagger does).
  std::string interval = "10s";
  std::string metric_interval = "15s";  // the built-in metrics' window
  int load_per_second = 40;
  Marker marker;     // A/B: the requests of insiders, which the load generator marks
  int sessions = 0;  // session affinity: the load generator's sessions (cookie jars)
  std::vector<std::string> operator_args;  // more flags of `veer operator` (--slack-url ...)
  // More than one: that many `veer operator` processes with --leader-elect (the Lease in the
  // case's namespace), started one after the other.
  int operator_replicas = 1;
  // Merged into spec.analysis; a null value removes the key (blue/green and A/B drop stepWeight
  // and maxWeight).
  nlohmann::json analysis_extra = nlohmann::json::object();
  // Merged into the Canary's spec (revertOnDeletion, ...).
  nlohmann::json spec_extra = nlohmann::json::object();
  // The stand-in's options: route_by_apex (nginx), ready_delay.
  DataPlaneOptions data_plane;
  // Adoption (nginx, with data_plane.route_by_apex): the target Deployment, the user's apex
  // Service and Ingress exist and serve the load through nginx before the Canary is applied, and
  // the operator runs before it too; set_up then returns once the Canary is Initialized and nginx
  // routes by the apex Service switched to the primary (adoption_trail() has what it saw).
  bool adopt = false;
};

class TrafficRollout {
 public:
  static constexpr const char* kName = "podinfo";

  TrafficRollout(E2eCluster& cluster, std::string label, CanaryOptions options = {});
  ~TrafficRollout();

  // Everything up to an Initialized Canary with the load running; "" or what failed.
  std::string set_up(const std::string& first_image);
  // CanaryOptions::adopt: what was seen from the Canary's creation until nginx routed by the
  // apex Service switched to the primary.
  struct Adoption {
    Trail trail;                         // the Canary's states
    std::size_t segments = 0;            // the stand-in's segments when the Canary was created
    std::map<long, long> answers;        // the load's answers then
    std::map<std::string, long> served;  // what each workload's apps had served then
    double seconds = 0;  // from the Canary's creation to nginx routing to the primary
  };
  const Adoption& adoption() const { return adoption_; }
  // Deletes the Canary (as `kubectl delete canary` does: background propagation); "" or why not.
  std::string delete_canary();
  // Whether the Canary is gone (NotFound); nullopt when that cannot be told.
  std::optional<bool> canary_gone();
  // The object `name` of `type` in the case's namespace (nullopt when absent or unreadable).
  std::optional<nlohmann::json> get(const kube::ResourceType& type, const std::string& name);
  // Sets the target's image and follows the rollout to Succeeded or Failed (or a deadline).
  // While it runs, `during` (if any) is called with each new state and may act (an outage).
  Trail roll_out(const std::string& image, const std::function<void(const State&)>& during = {});
  // Sets the target's image (a new revision) and returns at once; "" or why not.
  std::string set_image(const std::string& image);
  // Runs the built `veer` command line as a user would, with the cluster's admin kubeconfig and
  // `-n <namespace>` after the command: veer({"abort", kName}).
  CommandResult veer(std::vector<std::string> args);
  // The Canary's status ({} when unreadable).
  nlohmann::json canary_status();
  // status.rollout.noDataLooks: the NoData looks the current run has held for.
  long no_data_looks();
  // The notes of status.rollout.history, oldest first ("weight 10", "iteration 2", ...).
  std::vector<std::string> history_notes();
  State observe();
  std::string primary_image();

  DataPlaneStandIn& data_plane() { return *data_plane_; }
  LoadGenerator& load() { return *load_; }
  PrometheusProcess& prometheus() { return *prometheus_; }
  OperatorProcess& operator_process() { return *operators_.front(); }
  OperatorProcess& operator_process(std::size_t i) { return *operators_.at(i); }
  std::size_t operator_count() const { return operators_.size(); }
  // The Lease `veer-leader`'s spec.holderIdentity and spec.leaseTransitions ("", -1 without it).
  std::pair<std::string, long> lease();
  const std::string& ns() const { return ns_; }

 private:
  nlohmann::json canary_object() const;
  nlohmann::json user_ingress() const;  // nginx: the Ingress the Canary's ingressRef names
  bool gateway_api() const { return options_.provider.rfind("gatewayapi", 0) == 0; }
  nlohmann::json user_service() const;  // adopt: the user's apex Service
  std::string start_programs();         // nginx, Prometheus, the stand-ins
  std::string start_operators();
  std::string wait_initialized(Trail* trail);
  std::string set_up_adopted(const std::string& first_image);

  E2eCluster& cluster_;
  std::string label_;
  CanaryOptions options_;
  std::string ns_;
  std::string dir_;
  std::unique_ptr<NginxProcess> nginx_;
  std::unique_ptr<PrometheusProcess> prometheus_;
  std::unique_ptr<KubeletStandIn> gateway_;  // gatewayapi: accepts the HTTPRoutes
  std::unique_ptr<DataPlaneStandIn> data_plane_;
  std::vector<std::unique_ptr<OperatorProcess>> operators_;
  std::unique_ptr<LoadGenerator> load_;
  Adoption adoption_;
};

// The distinct phases of a trail in order ("Progressing", "Succeeded", ...).
std::vector<std::string> phases(const Trail& trail);

}  // namespace veer::e2e::traffic
