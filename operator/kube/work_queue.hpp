// A rate-limited work queue of object keys, as client-go's: a key queued many times is processed
// once; a key being processed is never handed to a second worker (it is queued again when done
// if it was added meanwhile); delayed adds and per-key exponential backoff wait on the Clock.
// Two lanes: keys whose time has come (a delayed add falling due, add_first) are handed out
// before keys added by changes (add), so a burst of watch events (thousands of primaries rolling
// out at the end of a fleet's rollout) cannot make a Canary's next step late; a key in both is
// handed out once, from the first lane.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.hpp"

namespace veer::kube {

struct BackoffPolicy {
  base::Clock::Duration base = std::chrono::milliseconds(5);
  base::Clock::Duration cap = std::chrono::seconds(1000);
};

class WorkQueue {
 public:
  explicit WorkQueue(base::Clock& clock, BackoffPolicy backoff = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  // Adds the key ahead of every key added by add(): for work whose time has come (an analysis
  // that finished). Delayed adds join this lane when they fall due.
  void add_first(const std::string& key);
  // Adds the key once `delay` has passed on the clock (an earlier pending add wins): to the first
  // lane, or with `due` false (a check for what a watch event also says) to the changes lane.
  void add_after(const std::string& key, base::Clock::Duration delay, bool due = true);
  // Adds after the key's backoff: base * 2^failures, capped.
  void add_rate_limited(const std::string& key);
  // Clears the key's failure count (after a success).
  void forget(const std::string& key);
  int failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt). Call done(key) afterwards.
  // `due`, when given, says whether the key came from the first lane (its time has come).
  std::optional<std::string> get(bool* due = nullptr);
  void done(const std::string& key);
  // Wakes every get(); keys still queued are dropped.
  void shutdown();

  std::size_t length() const;   // ready keys
  std::size_t delayed() const;  // keys waiting for their time
  // When the earliest of them falls due (perhaps already, before get() moved it to a lane).
  std::optional<base::Clock::TimePoint> next_waiting() const;
  bool processing(const std::string& key) const;

 private:
  enum class Lane { First, Changes };
  void promote_due_locked();
  void add_locked(const std::string& key, Lane lane);
  void push_locked(const std::string& key, Lane lane);
  // The next key to hand out, skipping entries left behind by a key moved to the first lane.
  std::optional<std::string> pop_locked(Lane& from);

  base::Clock& clock_;
  BackoffPolicy backoff_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> first_;  // keys whose time has come
  std::deque<std::string> queue_;  // keys added by changes
  // Queued and not yet handed out, with the lane each waits in. A key moved to the first lane
  // leaves an entry behind in queue_, skipped when it comes up (and so does a key handed out).
  std::map<std::string, Lane> dirty_;
  std::size_t ready_ = 0;             // dirty keys not being processed (in one of the lanes)
  std::set<std::string> processing_;  // handed out, not done
  std::multimap<base::Clock::TimePoint, std::string> waiting_;
  struct Waiting {
    base::Clock::TimePoint when;
    Lane lane;  // the lane it joins when due: the changes lane for a poll
  };
  std::map<std::string, Waiting> waiting_by_key_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

// What a reconcile asks of the queue for its key.
struct ReconcileResult {
  bool failed = false;                                 // retry with backoff
  std::optional<base::Clock::Duration> requeue_after;  // come back later (analysis interval)
  std::string error;                                   // for logs, when failed
  // requeue_after is a check for what a watch event also says (a workload being ready), not
  // work whose time comes: it waits behind due work (the changes lane).
  bool poll = false;
};

// N threads taking keys from a queue and calling `reconcile`; joins on destruction or stop().
class WorkerPool {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;
  WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile);
  ~WorkerPool();
  // Shuts the queue down and waits for the workers to finish their current key.
  void stop();

 private:
  WorkQueue& queue_;
  std::vector<std::thread> threads_;
};

}  // namespace veer::kube
