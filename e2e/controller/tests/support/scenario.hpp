// One router's rollouts on the real cluster: a namespace with the podinfo Deployment (or, for
// knative, the podinfo Knative Service and its MetricTemplates) and the router's own
// prerequisites, its Canary, the kubelet stand-in, the Prometheus stand-in and
// `veer operator` as a process. `roll_out` changes the image and follows the Canary's status and
// the router objects until the run ends, keeping every distinct state it saw.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "e2e/controller/tests/support/fake_prometheus.hpp"
#include "e2e/controller/tests/support/knative_stand_in.hpp"
#include "e2e/controller/tests/support/kubelet.hpp"
#include "e2e/controller/tests/support/operator_process.hpp"
#include "e2e/controller/tests/support/router_split.hpp"

namespace veer::e2e {

struct RouterCase {
  std::string label;     // test and namespace name part
  std::string provider;  // the router the Canary goes through
  bool blue_green = false;
  // true: the Canary names its provider in spec.provider and the operator runs with another
  // --mesh-provider (the Canary's own choice must win); false: spec.provider is left empty and
  // the operator's --mesh-provider applies.
  bool in_spec = false;
};

// One observation of the Canary and its router.
struct State {
  std::string phase;
  int weight = 0;      // status.canaryWeight
  int iterations = 0;  // status.iterations
  std::optional<Split> split;
  std::string split_error;
  bool operator==(const State&) const = default;
};
std::string to_string(const State& state);

// The Canary `ns`/`name`'s phase, weight and iterations, and the split its `provider`'s routing
// object sets (read independently of veer's routers), as they are on the API server now.
State observe_canary(kube::Cluster& api, const std::string& provider, const std::string& ns,
                     const std::string& name);

struct Trail {
  std::vector<State> states;  // distinct consecutive states, oldest first
  std::string error;          // set when the run did not end in time
  std::string end_phase() const { return states.empty() ? "" : states.back().phase; }
  bool saw_weight(int weight) const;
  bool saw_split(const Split& split) const;
  int max_weight() const;
  int max_iterations() const;
  std::string describe() const;
};

class Scenario {
 public:
  static constexpr const char* kName = "podinfo";

  Scenario(E2eCluster& cluster, RouterCase router);
  ~Scenario();

  // Namespace, workloads, Canary, stand-ins and the operator; "" or what failed.
  std::string set_up(const std::string& first_image);
  // Waits until the Canary is Initialized; "" or why not.
  std::string wait_initialized();

  // Sets the target's image, waits until the rollout starts, then follows it to its end. While
  // it runs, `during` (if any) is called with each new state and may act (a gate, a kill).
  Trail roll_out(const std::string& image, const std::function<void(const State&)>& during = {});

  State observe();
  std::string primary_image();
  long target_replicas();
  // The Canary's status as it is now (an empty object when unreadable).
  nlohmann::json canary_status();
  // Knative: the target Service as it is now, and the revision it names as veer's primary.
  nlohmann::json knative_service();
  std::string primary_revision();
  KnativeStandIn& knative() { return *knative_; }
  // Runs `veer <verb> podinfo -n NS` with the admin kubeconfig (as a user would).
  CommandResult veer_cli(const std::string& verb);

  OperatorProcess& operator_process() { return *operator_; }
  FakePrometheus& prometheus() { return *prometheus_; }
  const std::string& ns() const { return ns_; }
  const RouterCase& router() const { return router_; }
  // Lines of the operator's log that report a refused API call (RBAC gaps).
  std::vector<std::string> forbidden_log_lines() const;

 private:
  bool is_knative() const { return router_.provider == "knative"; }
  nlohmann::json canary_object() const;
  std::string set_up_target(const std::string& first_image);
  const kube::ResourceType& target_type() const;
  std::string target_image();

  E2eCluster& cluster_;
  RouterCase router_;
  std::string ns_;
  std::unique_ptr<KubeletStandIn> kubelet_;
  std::unique_ptr<KubeletStandIn> gateway_;  // gatewayapi: accepts the HTTPRoutes
  std::unique_ptr<KnativeStandIn> knative_;  // knative: makes and readies the revisions
  std::unique_ptr<FakePrometheus> prometheus_;
  std::unique_ptr<OperatorProcess> operator_;
};

// Every marker in a bad image's tag.
inline bool is_bad_image(const std::string& image) {
  return image.find("bad") != std::string::npos;
}

}  // namespace veer::e2e
