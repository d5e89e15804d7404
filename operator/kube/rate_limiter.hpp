// Client-side rate limiting as client-go's token bucket: `qps` tokens a second, up to `burst`
// saved; a caller waits (on the Clock) for its token.
#pragma once

#include <condition_variable>
#include <mutex>

#include "operator/kube/clock.hpp"

namespace veer::kube {

class RateLimiter {
 public:
  RateLimiter(Clock& clock, double qps, int burst);
  // Takes a token, waiting until one is there. qps <= 0 means no limit.
  void acquire();
  // Takes a token if one is there now.
  bool try_acquire();

 private:
  void refill_locked();

  Clock& clock_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::TimePoint last_;
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace veer::kube
