// Runs one or more Managers on a MemoryCluster under a SimulatedClock, deterministically: before
// time moves, every informer has caught up with the cluster and no Canary is queued or being
// reconciled; then the clock jumps to the next deadline any thread waits for. Tests, the scale
// bench and demos use it instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/clock.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/manager.hpp"

namespace veer::runtime {

class SimulatedDriver {
 public:
  SimulatedDriver(kube::MemoryCluster& cluster, base::SimulatedClock& clock,
                  std::vector<Manager*> managers);

  // Waits (in real time, on the runtime's state) until every Manager has settled at the
  // cluster's current resourceVersion; false after `timeout`.
  bool settle(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Settles, then moves the clock to the earliest waiting deadline, at most `limit` ahead.
  void step(base::Clock::Duration limit = std::chrono::minutes(1));
  // Calls `each_step` (e.g. a kubelet pass), settles and steps until `done()` or until `limit`
  // of simulated time has passed. Returns done().
  bool run_until(const std::function<bool()>& done, base::Clock::Duration limit,
                 const std::function<void()>& each_step = {});
  // Moves simulated time forward by `duration` in steps, settling at each.
  void run_for(base::Clock::Duration duration, const std::function<void()>& each_step = {});

  // The longest jump of run_until and run_for. Threads that wake on the clock and act on their
  // own (a leader elector) are not waited for by settle(); small steps keep them in time.
  base::Clock::Duration max_step = std::chrono::minutes(1);

 private:
  std::string resource_version();  // writes a marker; the resourceVersion it got
  std::string current_version();

  kube::MemoryCluster& cluster_;
  base::SimulatedClock& clock_;
  std::vector<Manager*> managers_;
  std::uint64_t marks_ = 0;
};

}  // namespace veer::runtime
