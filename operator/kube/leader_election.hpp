// Leader election on a coordination.k8s.io/v1 Lease, as client-go's: acquire when the lease is
// free or expired (as observed on our clock, not the holder's), renew every retry period, give up
// leadership when a renewal has not succeeded within the renew deadline, and release the lease on
// stop() (SIGTERM) so that a standby takes over at once. A lease call that fails (but a 409 from
// another candidate's write) is said through kube::report_error (error_sink.hpp), once per error.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::kube {

struct LeaderElectionConfig {
  std::string ns = "default";
  std::string name = "veer-leader";
  std::string identity;  // unique per process, e.g. pod name + random suffix
  base::Clock::Duration lease_duration = std::chrono::seconds(15);
  base::Clock::Duration renew_deadline = std::chrono::seconds(10);
  base::Clock::Duration retry_period = std::chrono::seconds(2);
};

struct LeaderCallbacks {
  // Called on run()'s thread: on_started_leading must start the controllers (on their own
  // threads) and return, since renewals wait for it; on_stopped_leading must stop them.
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  LeaderElector(Cluster& cluster, base::Clock& clock, LeaderElectionConfig config);

  // Blocks: tries to acquire, leads while renewals succeed, and returns after stop() (releasing
  // the lease if held) or after losing the lease. Callbacks run on this thread.
  void run(const LeaderCallbacks& callbacks);
  // From any thread (a SIGTERM handler's thread): ends run() and releases the lease.
  void stop();
  bool is_leader() const;
  std::string observed_leader() const;

 private:
  enum class Attempt { Acquired, Held, Failed };
  Attempt try_acquire_or_renew();
  void release();
  // Hands a failed lease call to kube::report_error (once per error; not a 409) and says Failed.
  Attempt failed(const char* doing, const ApiError& error);
  bool wait(base::Clock::Duration d);  // false when stopped

  Cluster& cluster_;
  base::Clock& clock_;
  LeaderElectionConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool leader_ = false;
  Json observed_;                         // last lease seen
  base::Clock::TimePoint observed_at_{};  // when it last changed, on our clock
  std::string observed_leader_;
  std::string told_;  // the last failure reported (run()'s thread only); cleared on success
};

}  // namespace veer::kube
