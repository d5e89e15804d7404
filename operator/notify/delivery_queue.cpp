#include "operator/notify/delivery_queue.hpp"

#include <spdlog/spdlog.h>

#include "operator/notify/provider.hpp"

namespace veer::notify {

DeliveryQueue::DeliveryQueue(base::Clock& clock, Transport& transport, DeliveryOptions options)
    : clock_(clock), transport_(transport), options_(options) {
  worker_ = std::thread([this] { run(); });
}

DeliveryQueue::~DeliveryQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_ = true;
  }
  wake_.notify_all();
  worker_.join();
  for (const auto& item : queue_) ++counters_[item.to.type].dropped;
}

EnqueueResult DeliveryQueue::send(const Notification& n, const Destination& to) {
  // Build outside the lock: the payload is pure and the worker must not wait for it.
  OutgoingRequest request = build_request(n, to);
  std::string endpoint = to.endpoint_key();
  std::string key = endpoint + '\x1d' + content_key(n);
  const auto now = clock_.now();
  EnqueueResult result = EnqueueResult::queued;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return EnqueueResult::stopped;
    auto& counters = counters_[to.type];
    if (auto seen = recent_.find(key);
        seen != recent_.end() && now - seen->second < options_.dedupe_window) {
      ++counters.deduplicated;
      return EnqueueResult::duplicate;
    }
    forget_old_duplicates(now);
    recent_[key] = now;
    if (queue_.size() >= options_.capacity && !queue_.empty()) {
      ++counters_[queue_.front().to.type].dropped;
      queue_.pop_front();
      result = EnqueueResult::queued_dropping_oldest;
    }
    ++counters.queued;
    queue_.push_back(Pending{std::move(endpoint), to, std::move(request), 0, now});
    changed_ = true;
  }
  wake_.notify_all();
  return result;
}

void DeliveryQueue::forget_old_duplicates(base::Clock::TimePoint now) {
  if (recent_.size() < 1024) return;
  std::erase_if(recent_,
                [&](const auto& entry) { return now - entry.second >= options_.dedupe_window; });
}

std::deque<DeliveryQueue::Pending>::iterator DeliveryQueue::next_due(base::Clock::TimePoint now,
                                                                     base::Clock::TimePoint& wake) {
  std::set<std::string_view> held;  // endpoints with an earlier message still waiting
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (held.count(it->endpoint)) continue;
    if (it->not_before <= now) return it;
    wake = std::min(wake, it->not_before);
    held.insert(it->endpoint);
  }
  return queue_.end();
}

void DeliveryQueue::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = clock_.now();
    auto wake = now + std::chrono::hours(24);
    auto due = next_due(now, wake);
    if (due == queue_.end()) {
      clock_.wait_until(lock, wake_, wake, [this] { return changed_; });
      changed_ = false;
      continue;
    }
    Pending item = std::move(*due);
    queue_.erase(due);
    in_flight_ = true;
    lock.unlock();
    const HttpReply reply = transport_.post(item.request, options_.timeout);
    lock.lock();
    in_flight_ = false;
    ++attempts_;
    finish_attempt(std::move(item), reply);
    progress_.notify_all();
  }
}

void DeliveryQueue::finish_attempt(Pending item, const HttpReply& reply) {
  auto& counters = counters_[item.to.type];
  ++item.attempt;
  if (item.attempt > 1) ++counters.retries;
  const auto now = clock_.now();
  const AttemptOutcome outcome = judge_attempt(item.to, reply, item.attempt, options_.retry, now);
  const std::string name =
      item.to.label.empty() ? std::string(to_string(item.to.type)) : item.to.label;
  if (outcome.kind == AttemptOutcome::delivered) {
    ++counters.sent;
    if (failing_.erase(item.endpoint) > 0) {
      spdlog::info("notifications to {} are delivered again", name);
    }
    return;
  }
  // Logged once per outage: the first failure after a success. The reason may quote the URL
  // (curl errors do) or echo the token, so it is redacted.
  if (failing_.insert(item.endpoint).second) {
    spdlog::warn(
        "notifications to {} ({}) are failing: {}; rollouts continue, further failures "
        "are counted in veer_notifications_total{{outcome=\"failed\"}}",
        name, to_string(item.to.type), redact(outcome.reason, item.to));
  }
  if (outcome.kind == AttemptOutcome::give_up) {
    ++counters.failed;
    // Each message given up is said once: the outage line above does not say what was lost.
    spdlog::warn("a notification to {} ({}) is lost after {} attempt{}: {}", name,
                 to_string(item.to.type), item.attempt, item.attempt == 1 ? "" : "s",
                 redact(outcome.reason, item.to));
    return;
  }
  item.not_before = now + outcome.delay;
  // Back at the front: it is the oldest message of its endpoint, so order is kept.
  queue_.push_front(std::move(item));
}

DeliveryCounters DeliveryQueue::totals() const {
  std::lock_guard lock(mutex_);
  DeliveryCounters sum;
  for (const auto& [type, c] : counters_) {
    sum.queued += c.queued;
    sum.sent += c.sent;
    sum.failed += c.failed;
    sum.retries += c.retries;
    sum.dropped += c.dropped;
    sum.deduplicated += c.deduplicated;
  }
  return sum;
}

std::map<ProviderType, DeliveryCounters> DeliveryQueue::by_provider() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::size_t DeliveryQueue::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + (in_flight_ ? 1 : 0);
}

bool DeliveryQueue::wait_until_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [this] { return queue_.empty() && !in_flight_; });
}

bool DeliveryQueue::wait_for_attempts(std::uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [&] { return attempts_ >= n; });
}

}  // namespace veer::notify
