// What to do after one delivery attempt: done, retry after a delay, or give up. Pure, so the
// backoff and Retry-After rules are tested with plain values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "operator/notify/destination.hpp"
#include "operator/notify/transport.hpp"

namespace veer::notify {

struct RetryPolicy {
  using Duration = std::chrono::system_clock::duration;
  int max_attempts = 5;                              // including the first
  Duration first_backoff = std::chrono::seconds(1);  // doubled after every failed attempt
  Duration max_backoff = std::chrono::seconds(60);
  Duration max_retry_after = std::chrono::minutes(5);  // a longer Retry-After gives up
};

struct AttemptOutcome {
  enum Kind { delivered, retry, give_up } kind = delivered;
  std::chrono::system_clock::duration delay{};  // for retry
  std::string reason;                           // for retry and give_up; may contain secrets
};

// `attempt` counts from 1. Retries transport errors, 408, 429 and 5xx; a Retry-After header
// (seconds or an HTTP date) replaces the backoff.
AttemptOutcome judge_attempt(const Destination& to, const HttpReply& reply, int attempt,
                             const RetryPolicy& policy, std::chrono::system_clock::time_point now);

// Parses a Retry-After value: delta-seconds ("120", also fractional "1.5") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to `now`. Nothing when it cannot be parsed.
std::optional<std::chrono::system_clock::duration> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace veer::notify
