// Time as the operator sees it. Every wait, timer and backoff goes through a Clock, so tests run
// minutes of rollout in milliseconds under a SimulatedClock, deterministically.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>

namespace veer::base {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::system_clock::duration;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;

  // Blocks (with `lock` held on entry and on return, released while waiting) until `done()` is
  // true or `deadline` has passed on this clock. `cv` is what other threads notify when `done`
  // may have changed. Returns done().
  virtual bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimePoint deadline, const std::function<bool()>& done) = 0;

  // Sleeps the calling thread until `deadline` on this clock.
  void sleep_until(TimePoint deadline);
  void sleep_for(Duration d) { sleep_until(now() + d); }
};

// A requeue delay: whole milliseconds rounded up, at least 1 ms. A controller's requeue of 0 is
// "none", so a wait rounded down from a fraction of a millisecond would be dropped, and a pass
// woken just before its time would wait for an unrelated event instead of coming back.
inline std::chrono::milliseconds requeue_delay(Clock::Duration wait) {
  return std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(wait));
}

// Wall-clock time.
class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimePoint deadline, const std::function<bool()>& done) override;
};

// Time that moves only when a test says so. Threads waiting on it wake when `advance` passes
// their deadline; `wait_for_waiters` lets a test wait (on a condition, never a sleep) until
// worker threads are parked before it moves time.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimePoint start = TimePoint{} + std::chrono::hours(24 * 365 * 56));

  TimePoint now() const override;
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimePoint deadline, const std::function<bool()>& done) override;

  void advance(Duration d);
  void set(TimePoint t);
  // Number of threads currently blocked in wait_until with a deadline in the future.
  std::size_t waiters() const;
  // Blocks the caller (in real time) until at least `n` threads wait on this clock.
  void wait_for_waiters(std::size_t n) const;
  // The earliest deadline any waiting thread has, if any (to advance straight to it).
  std::optional<TimePoint> next_deadline() const;

 private:
  struct Waiter {
    std::mutex* mutex;
    std::condition_variable* cv;
    TimePoint deadline;
    bool operator<(const Waiter& o) const {
      return std::tie(deadline, mutex, cv) < std::tie(o.deadline, o.mutex, o.cv);
    }
  };
  void set_locked(std::unique_lock<std::mutex>& guard, TimePoint t);
  std::size_t waiters_locked() const;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  TimePoint now_;
  std::multiset<Waiter> waiting_;
  int notifying_ = 0;  // advances between waking waiters and finishing
};

}  // namespace veer::base
