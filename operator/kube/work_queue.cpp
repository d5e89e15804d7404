#include "operator/kube/work_queue.hpp"

#include <algorithm>

#include "base/backoff.hpp"
#include "operator/kube/rate_limiter.hpp"

namespace veer::kube {

WorkQueue::WorkQueue(base::Clock& clock, BackoffPolicy backoff)
    : clock_(clock), backoff_(backoff) {}

WorkQueue::~WorkQueue() {
  shutdown();
}

void WorkQueue::push_locked(const std::string& key, Lane lane) {
  (lane == Lane::First ? first_ : queue_).push_back(key);
  cv_.notify_one();
}

void WorkQueue::add_locked(const std::string& key, Lane lane) {
  if (shutting_down_) return;
  if (auto queued = dirty_.find(key); queued != dirty_.end()) {
    // Already queued: moved to the first lane if asked (its entry in the other lane is skipped).
    if (lane != Lane::First || queued->second == Lane::First) return;
    queued->second = Lane::First;
    if (!processing_.count(key)) push_locked(key, lane);
    return;
  }
  dirty_.emplace(key, lane);
  if (processing_.count(key)) return;  // done() queues it again
  ++ready_;
  push_locked(key, lane);
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard guard(mutex_);
  add_locked(key, Lane::Changes);
}

void WorkQueue::add_first(const std::string& key) {
  std::lock_guard guard(mutex_);
  add_locked(key, Lane::First);
}

void WorkQueue::add_after(const std::string& key, base::Clock::Duration delay, bool due) {
  if (delay <= base::Clock::Duration::zero()) return add(key);
  std::lock_guard guard(mutex_);
  if (shutting_down_) return;
  auto when = clock_.now() + delay;
  auto existing = waiting_by_key_.find(key);
  if (existing != waiting_by_key_.end()) {
    if (existing->second.when <= when) return;
    auto range = waiting_.equal_range(existing->second.when);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == key) {
        waiting_.erase(it);
        break;
      }
  }
  waiting_.emplace(when, key);
  waiting_by_key_[key] = {when, due ? Lane::First : Lane::Changes};
  cv_.notify_all();  // a sleeping get() may need an earlier wake-up
}

void WorkQueue::add_rate_limited(const std::string& key) {
  base::Clock::Duration delay;
  {
    std::lock_guard guard(mutex_);
    delay = base::backoff(backoff_.base, backoff_.cap, failures_[key]++);
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard guard(mutex_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard guard(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_due_locked() {
  auto now = clock_.now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    auto waiting = waiting_by_key_.extract(key);
    add_locked(key, waiting ? waiting.mapped().lane : Lane::First);
  }
}

std::optional<std::string> WorkQueue::get(bool* due) {
  std::unique_lock lock(mutex_);
  while (true) {
    promote_due_locked();
    if (shutting_down_) return std::nullopt;
    if (ready_ > 0) {
      Lane from = Lane::Changes;
      if (auto key = pop_locked(from)) {
        if (due) *due = from == Lane::First;
        dirty_.erase(*key);
        processing_.insert(*key);
        --ready_;
        return key;
      }
      ready_ = 0;  // no key left in either lane: the count cannot be ahead of them
      continue;
    }
    auto ready = [this] {
      return shutting_down_ || ready_ > 0 ||
             (!waiting_.empty() && waiting_.begin()->first <= clock_.now());
    };
    if (waiting_.empty()) {
      // A delayed add while we sleep must move us onto the clock's timed wait.
      cv_.wait(lock, [&] { return ready() || !waiting_.empty(); });
    } else {
      // Wake at the earliest delayed key, or earlier if something is added.
      auto deadline = waiting_.begin()->first;
      clock_.wait_until(lock, cv_, deadline, [&] {
        return ready() || waiting_.empty() || waiting_.begin()->first < deadline;
      });
    }
  }
}

std::optional<std::string> WorkQueue::pop_locked(Lane& from) {
  // An entry counts only while its key waits in that entry's lane and is not being processed.
  auto waits_in = [&](const std::string& key, Lane lane) {
    auto queued = dirty_.find(key);
    return queued != dirty_.end() && queued->second == lane && !processing_.count(key);
  };
  for (auto lane : {Lane::First, Lane::Changes}) {
    auto& entries = lane == Lane::First ? first_ : queue_;
    while (!entries.empty()) {
      std::string key = std::move(entries.front());
      entries.pop_front();
      if (waits_in(key, lane)) {
        from = lane;
        return key;
      }
    }
  }
  return std::nullopt;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard guard(mutex_);
  processing_.erase(key);
  if (auto queued = dirty_.find(key); queued != dirty_.end() && !shutting_down_) {
    ++ready_;
    push_locked(key, queued->second);
  }
}

void WorkQueue::shutdown() {
  std::lock_guard guard(mutex_);
  shutting_down_ = true;
  cv_.notify_all();
}

std::size_t WorkQueue::length() const {
  std::lock_guard guard(mutex_);
  return ready_;
}

std::size_t WorkQueue::delayed() const {
  std::lock_guard guard(mutex_);
  return waiting_.size();
}

std::optional<base::Clock::TimePoint> WorkQueue::next_waiting() const {
  std::lock_guard guard(mutex_);
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

bool WorkQueue::processing(const std::string& key) const {
  std::lock_guard guard(mutex_);
  return processing_.count(key) > 0;
}

WorkerPool::WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile) : queue_(queue) {
  for (int i = 0; i < workers; ++i)
    threads_.emplace_back([this, reconcile] {
      bool due = false;
      while (auto key = queue_.get(&due)) {
        // A pass whose time has come takes its API tokens ahead of the others (rate_limiter.hpp).
        DueWork scope(due);
        ReconcileResult result;
        try {
          result = reconcile(*key);
        } catch (const std::exception& e) {
          result = ReconcileResult{true, std::nullopt, e.what(), false};
        }
        if (result.failed) {
          queue_.add_rate_limited(*key);
        } else {
          queue_.forget(*key);
          if (result.requeue_after) queue_.add_after(*key, *result.requeue_after, !result.poll);
        }
        queue_.done(*key);
      }
    });
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::stop() {
  queue_.shutdown();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace veer::kube
