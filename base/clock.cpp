#include "base/clock.hpp"

#include <vector>

namespace veer::base {

void Clock::sleep_until(TimePoint deadline) {
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  wait_until(lock, cv, deadline, [] { return false; });
}

bool RealClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                           TimePoint deadline, const std::function<bool()>& done) {
  return cv.wait_until(lock, deadline, done);
}

SimulatedClock::SimulatedClock(TimePoint start) : now_(start) {}

Clock::TimePoint SimulatedClock::now() const {
  std::lock_guard guard(mutex_);
  return now_;
}

bool SimulatedClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                TimePoint deadline, const std::function<bool()>& done) {
  std::multiset<Waiter>::iterator self;
  {
    std::lock_guard guard(mutex_);
    self = waiting_.insert(Waiter{lock.mutex(), &cv, deadline});
    changed_.notify_all();
  }
  // `advance` takes the waiter's mutex before notifying, so a deadline passed between the check
  // and the wait cannot be missed.
  while (!done() && now() < deadline) cv.wait(lock);
  // Unregister without the caller's mutex: `advance` may be about to take it to notify us, and it
  // must not find a destroyed condition variable, so wait until no notification is in flight.
  lock.unlock();
  {
    std::unique_lock guard(mutex_);
    changed_.wait(guard, [this] { return notifying_ == 0; });
    waiting_.erase(self);
    changed_.notify_all();
  }
  lock.lock();
  return done();
}

void SimulatedClock::advance(Duration d) {
  std::unique_lock guard(mutex_);
  set_locked(guard, now_ + d);
}

void SimulatedClock::set(TimePoint t) {
  std::unique_lock guard(mutex_);
  set_locked(guard, t);
}

void SimulatedClock::set_locked(std::unique_lock<std::mutex>& guard, TimePoint t) {
  if (t > now_) now_ = t;
  std::vector<Waiter> due;
  for (const auto& w : waiting_) {
    if (w.deadline <= now_) due.push_back(w);
  }
  ++notifying_;
  guard.unlock();
  for (const auto& w : due) {
    std::lock_guard waiter_lock(*w.mutex);
    w.cv->notify_all();
  }
  guard.lock();
  --notifying_;
  changed_.notify_all();
}

std::size_t SimulatedClock::waiters_locked() const {
  std::size_t n = 0;
  for (const auto& w : waiting_) {
    if (w.deadline > now_) ++n;
  }
  return n;
}

std::size_t SimulatedClock::waiters() const {
  std::lock_guard guard(mutex_);
  return waiters_locked();
}

void SimulatedClock::wait_for_waiters(std::size_t n) const {
  std::unique_lock guard(mutex_);
  changed_.wait(guard, [&] { return waiters_locked() >= n; });
}

std::optional<Clock::TimePoint> SimulatedClock::next_deadline() const {
  std::lock_guard guard(mutex_);
  for (const auto& w : waiting_) {
    if (w.deadline > now_) return w.deadline;
  }
  return std::nullopt;
}

}  // namespace veer::base
