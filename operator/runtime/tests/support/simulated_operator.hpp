// A started Manager on a World with the simulated collaborators (approving hooks, metrics that
// fail "bad" images, recorded alerts) and a driver that runs the kubelet stand-in of one
// namespace at each step. Stops the Manager before its collaborators go.
#pragma once

#include <functional>
#include <string>

#include "operator/controller/simulation.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/simulated_driver.hpp"
#include "operator/runtime/tests/support/world.hpp"

namespace veer::runtime::testing {

class SimulatedOperator {
 public:
  // `api`: what the Manager talks to (a decorator of the world's cluster); null: the cluster.
  SimulatedOperator(World& world, std::string ns, ManagerSettings settings = simulated_settings(),
                    kube::Cluster* api = nullptr);
  ~SimulatedOperator();
  SimulatedOperator(const SimulatedOperator&) = delete;
  SimulatedOperator& operator=(const SimulatedOperator&) = delete;

  Manager& manager() { return manager_; }
  // Steps simulated time until the Canary `name` (in the namespace) shows `phase`.
  bool run_until_phase(const std::string& name, const std::string& phase,
                       base::Clock::Duration limit);
  bool run_until(const std::function<bool()>& done, base::Clock::Duration limit);
  void run_for(base::Clock::Duration duration);

 private:
  World& world_;
  std::string ns_;
  controller::simulation::ApprovingHooks hooks_;
  controller::simulation::RecordingAlerts alerts_;
  Manager manager_;
  controller::simulation::ImageMetrics metrics_;
  SimulatedDriver driver_;
};

}  // namespace veer::runtime::testing
