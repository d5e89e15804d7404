#include "operator/runtime/tests/support/simulated_operator.hpp"

namespace veer::runtime::testing {

SimulatedOperator::SimulatedOperator(World& world, std::string ns, ManagerSettings settings,
                                     kube::Cluster* api)
    : world_(world),
      ns_(std::move(ns)),
      manager_(api ? *api : world.cluster, world.clock, std::move(settings)),
      metrics_(manager_.cache()),
      driver_(world.cluster, world.clock, {&manager_}) {
  manager_.start({hooks_, metrics_, alerts_});
}

SimulatedOperator::~SimulatedOperator() {
  manager_.stop();
}

bool SimulatedOperator::run_until_phase(const std::string& name, const std::string& phase,
                                        base::Clock::Duration limit) {
  return run_until([&] { return world_.phase(ns_, name) == phase; }, limit);
}

bool SimulatedOperator::run_until(const std::function<bool()>& done, base::Clock::Duration limit) {
  return driver_.run_until(done, limit, [this] { world_.kubelet(ns_); });
}

void SimulatedOperator::run_for(base::Clock::Duration duration) {
  driver_.run_for(duration, [this] { world_.kubelet(ns_); });
}

}  // namespace veer::runtime::testing
