#include "operator/notify/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "base/backoff.hpp"
#include "operator/notify/provider.hpp"

namespace veer::notify {

namespace {
// A Retry-After longer than this (about 31 years) is read as this.
constexpr double kLongestWaitSeconds = 1e9;
}  // namespace

std::optional<std::chrono::system_clock::duration> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    double seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size() || seconds < 0) {
      return std::nullopt;
    }
    // Any wait past the longest the policy honours means the same; the cap keeps the
    // conversion to nanoseconds from overflowing (found by fuzz/targets/notifier_reply.cpp).
    return std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double>(std::min(seconds, kLongestWaitSeconds)));
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t latest =
      std::chrono::system_clock::to_time_t(now) + static_cast<std::time_t>(kLongestWaitSeconds);
  const auto at =
      std::chrono::system_clock::from_time_t(std::clamp(timegm(&tm), std::time_t{0}, latest));
  return std::max(at - now, std::chrono::system_clock::duration::zero());
}

AttemptOutcome judge_attempt(const Destination& to, const HttpReply& reply, int attempt,
                             const RetryPolicy& policy, std::chrono::system_clock::time_point now) {
  std::string reason;
  if (reply.status == 0) {
    reason = reply.error.empty() ? "no answer" : reply.error;
  } else if (auto rejected = rejection(to, reply.status, reply.body)) {
    reason = *rejected;
  } else {
    return {};
  }
  const bool retryable = reply.status == 0
                             ? reply.error_kind == base::ErrorKind::unavailable
                             : reply.status == 408 || reply.status == 429 || reply.status >= 500;
  if (!retryable) return {AttemptOutcome::give_up, {}, reason};
  if (attempt >= policy.max_attempts) {
    return {AttemptOutcome::give_up,
            {},
            reason + " (gave up after " + std::to_string(attempt) + " attempts)"};
  }
  auto delay = base::backoff(policy.first_backoff, policy.max_backoff, attempt - 1);
  if (auto header = reply.headers.find("retry-after"); header != reply.headers.end()) {
    if (auto wanted = parse_retry_after(header->second, now)) {
      if (*wanted > policy.max_retry_after) {
        return {AttemptOutcome::give_up,
                {},
                reason + " (Retry-After " + header->second + " is longer than the retry limit)"};
      }
      delay = *wanted;
    }
  }
  return {AttemptOutcome::retry, delay, reason};
}

}  // namespace veer::notify
