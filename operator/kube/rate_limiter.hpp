// Client-side rate limiting as client-go's token bucket: `qps` tokens a second, up to `burst`
// saved; a caller waits (on the Clock) for its token.
#pragma once

#include <condition_variable>
#include <mutex>

#include "base/clock.hpp"

namespace veer::kube {

class RateLimiter {
 public:
  RateLimiter(base::Clock& clock, double qps, int burst);
  // Takes a token, waiting until one is there. qps <= 0 means no limit.
  void acquire();
  // Takes a token if one is there now.
  bool try_acquire();

 private:
  void refill_locked();

  base::Clock& clock_;
  double qps_;
  double burst_;
  double tokens_;
  base::Clock::TimePoint last_;
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace veer::kube
