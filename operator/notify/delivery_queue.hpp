// Delivers notifications on its own worker thread so a rollout never waits for Slack: a bounded
// queue (drop-oldest when full), a timeout on every call, retries with exponential backoff that
// honour Retry-After, identical messages within a window sent once, and counters for /metrics.
// Every wait goes through the Clock, so tests drive retries with a SimulatedClock.
//
// Order: messages to one endpoint leave in the order they were sent; a message waiting for its
// retry holds back later ones to the same endpoint only, never those to other endpoints.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "base/clock.hpp"
#include "operator/notify/notifier.hpp"
#include "operator/notify/retry_policy.hpp"
#include "operator/notify/transport.hpp"

namespace veer::notify {

struct DeliveryOptions {
  std::size_t capacity = 256;               // pending messages, retries included
  std::chrono::milliseconds timeout{5000};  // per HTTP call
  RetryPolicy retry;
  base::Clock::Duration dedupe_window = std::chrono::minutes(10);
};

struct DeliveryCounters {
  std::uint64_t queued = 0;
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;        // gave up (non-retryable answer, attempts or Retry-After limit)
  std::uint64_t retries = 0;       // attempts after the first
  std::uint64_t dropped = 0;       // queue full, or still pending at shutdown
  std::uint64_t deduplicated = 0;  // identical message within the window
};

class DeliveryQueue final : public Notifier {
 public:
  DeliveryQueue(base::Clock& clock, Transport& transport, DeliveryOptions options = {});
  // Stops the worker after the call in flight (bounded by the timeout); drops what is pending.
  ~DeliveryQueue() override;
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  EnqueueResult send(const Notification& n, const Destination& to) override;

  DeliveryCounters totals() const;
  std::map<ProviderType, DeliveryCounters> by_provider() const;
  // Messages queued or in flight.
  std::size_t pending() const;
  // Waits (in real time, on a condition) until nothing is pending; false on timeout. For tests
  // and graceful shutdown: under a SimulatedClock, retries still need the clock to move.
  bool wait_until_idle(std::chrono::milliseconds timeout);
  // Waits (in real time) until the worker has made `n` HTTP calls in total; false on timeout.
  bool wait_for_attempts(std::uint64_t n, std::chrono::milliseconds timeout);

 private:
  struct Pending {
    std::string endpoint;  // Destination::endpoint_key()
    Destination to;
    OutgoingRequest request;
    int attempt = 0;  // attempts made so far
    base::Clock::TimePoint not_before;
  };

  void run();
  // The first message that may be attempted now, or end(); `wake` gets the earliest time at
  // which a held-back message becomes due.
  std::deque<Pending>::iterator next_due(base::Clock::TimePoint now, base::Clock::TimePoint& wake);
  void finish_attempt(Pending item, const HttpReply& reply);
  void forget_old_duplicates(base::Clock::TimePoint now);

  base::Clock& clock_;
  Transport& transport_;
  const DeliveryOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // new work or stop, for the worker (through the Clock)
  std::condition_variable progress_;  // an attempt finished, for wait_until_idle/wait_for_attempts
  std::deque<Pending> queue_;
  bool in_flight_ = false;
  bool stopping_ = false;
  bool changed_ = false;
  std::uint64_t attempts_ = 0;
  std::unordered_map<std::string, base::Clock::TimePoint> recent_;  // dedupe key -> last sent
  std::set<std::string> failing_;  // endpoints whose last attempt failed (logged once)
  std::map<ProviderType, DeliveryCounters> counters_;
  std::thread worker_;
};

}  // namespace veer::notify
