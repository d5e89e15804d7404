#include "operator/kube/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace veer::kube {

namespace {
thread_local bool t_due = false;
}  // namespace

DueWork::DueWork(bool due) : before_(t_due) {
  t_due = due;
}

DueWork::~DueWork() {
  t_due = before_;
}

bool DueWork::active() {
  return t_due;
}

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
  std::lock_guard guard(mutex_);
  if (qps_ <= 0) return true;
  refill_locked();
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void RateLimiter::set_rate(double qps, int burst) {
  std::lock_guard guard(mutex_);
  refill_locked();  // the time so far at the old rate
  qps_ = qps;
  burst_ = std::max(1, burst);
  tokens_ = std::min(tokens_, burst_);
  ++rate_changes_;
  cv_.notify_all();
}

void RateLimiter::acquire() {
  const bool due = t_due;
  std::unique_lock lock(mutex_);
  if (qps_ <= 0) return;
  if (due) ++due_waiting_;
  while (true) {
    if (qps_ <= 0) {  // the limit was lifted while this caller waited
      if (due) --due_waiting_;
      return;
    }
    refill_locked();
    if (tokens_ >= 1 && (due || due_waiting_ == 0)) {
      tokens_ -= 1;
      if (due) --due_waiting_;
      return;
    }
    // Due work waits for the next token; other work for the tokens of the due work ahead of it
    // too, and at least one token's time when due work waits with tokens there (it takes them on
    // waking), so nothing spins.
    const bool behind = !due && due_waiting_ > 0;
    double missing = (behind ? due_waiting_ : 0) + 1 - tokens_;
    if (behind) missing = std::max(missing, 1.0);
    auto wait = std::chrono::duration_cast<base::Clock::Duration>(
        std::chrono::duration<double>(missing / qps_));
    auto deadline = clock_.now() + std::max(wait, base::Clock::Duration(1));
    const auto changes = rate_changes_;
    clock_.wait_until(lock, cv_, deadline, [&] { return rate_changes_ != changes; });
  }
}

}  // namespace veer::kube
