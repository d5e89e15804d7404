// Client-side rate limiting as client-go's token bucket: `qps` tokens a second, up to `burst`
// saved; a caller waits (on the Clock) for its token. A thread doing work whose time has come (a
// Canary's step that fell due: DueWork) is served before the others waiting, so a burst of writes
// that can wait (thousands of rollouts ending at once) does not make steps late.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "base/clock.hpp"

namespace veer::kube {

// While one lives, the requests of this thread take their tokens ahead of other threads'.
class DueWork {
 public:
  explicit DueWork(bool due = true);
  ~DueWork();
  DueWork(const DueWork&) = delete;
  DueWork& operator=(const DueWork&) = delete;
  static bool active();

 private:
  bool before_;
};

class RateLimiter {
 public:
  RateLimiter(base::Clock& clock, double qps, int burst);
  // Takes a token, waiting until one is there. qps <= 0 means no limit.
  void acquire();
  // Takes a token if one is there now.
  bool try_acquire();
  // A new rate from now on (the tokens saved so far kept, up to the new burst); callers waiting
  // for a token look again at once.
  void set_rate(double qps, int burst);

 private:
  void refill_locked();

  base::Clock& clock_;
  double qps_;
  double burst_;
  double tokens_;
  int due_waiting_ = 0;  // DueWork callers waiting for a token: the others wait behind them
  std::uint64_t rate_changes_ = 0;  // wakes the waiters when set_rate changes the rate
  base::Clock::TimePoint last_;
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace veer::kube
