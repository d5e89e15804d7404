#include "operator/kube/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace veer::kube {

RateLimiter::RateLimiter(base::Clock& clock, double qps, int burst)
    : clock_(clock),
      qps_(qps),
      burst_(std::max(1, burst)),
      tokens_(std::max(1, burst)),
      last_(clock.now()) {}

void RateLimiter::refill_locked() {
  auto now = clock_.now();
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * qps_);
  last_ = now;
}

bool RateLimiter::try_acquire() {
  if (qps_ <= 0) return true;
  std::lock_guard guard(mutex_);
  refill_locked();
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void RateLimiter::acquire() {
  if (qps_ <= 0) return;
  std::unique_lock lock(mutex_);
  while (true) {
    refill_locked();
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return;
    }
    double missing = 1 - tokens_;
    auto wait = std::chrono::duration_cast<base::Clock::Duration>(
        std::chrono::duration<double>(missing / qps_));
    auto deadline = clock_.now() + std::max(wait, base::Clock::Duration(1));
    clock_.wait_until(lock, cv_, deadline, [] { return false; });
  }
}

}  // namespace veer::kube
