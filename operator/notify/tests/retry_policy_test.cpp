#include "operator/notify/retry_policy.hpp"

#include <doctest/doctest.h>

namespace veer::notify {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC

HttpReply answer(int status, std::string retry_after = {}, std::string body = {}) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  if (!retry_after.empty()) r.headers["retry-after"] = retry_after;
  return r;
}

}  // namespace

TEST_CASE("Retry-After: seconds, fractional seconds, HTTP dates, and nonsense") {
  CHECK(parse_retry_after("120", kNow) == std::chrono::system_clock::duration(120s));
  CHECK(parse_retry_after(" 1.5 ", kNow) == std::chrono::system_clock::duration(1500ms));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", kNow) ==
        std::chrono::system_clock::duration(60s));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", kNow) ==
        std::chrono::system_clock::duration::zero());  // in the past: retry now
  CHECK_FALSE(parse_retry_after("soon", kNow));
  CHECK_FALSE(parse_retry_after("-5", kNow));
  CHECK_FALSE(parse_retry_after("12abc", kNow));
  CHECK_FALSE(parse_retry_after("", kNow));
}

TEST_CASE("what is retried: transport errors, 408, 429 and 5xx, other answers are final") {
  Destination webhook;
  webhook.type = ProviderType::webhook;
  RetryPolicy policy;
  CHECK(judge_attempt(webhook, answer(200), 1, policy, kNow).kind == AttemptOutcome::delivered);
  CHECK(judge_attempt(webhook, answer(204), 1, policy, kNow).kind == AttemptOutcome::delivered);
  for (int status : {0, 408, 429, 500, 502, 503}) {
    CAPTURE(status);
    CHECK(judge_attempt(webhook, answer(status), 1, policy, kNow).kind == AttemptOutcome::retry);
  }
  for (int status : {400, 401, 403, 404, 410}) {
    CAPTURE(status);
    const auto outcome =
        judge_attempt(webhook, answer(status, "", "invalid_payload"), 1, policy, kNow);
    CHECK(outcome.kind == AttemptOutcome::give_up);
    CHECK(outcome.reason == "HTTP " + std::to_string(status) + ": invalid_payload");
  }
}

TEST_CASE("a transport error is retried only when a retry may work") {
  Destination webhook;
  webhook.type = ProviderType::webhook;
  RetryPolicy policy;
  HttpReply refused;  // status 0: no answer
  refused.error = "POST https://hooks.example/x: refused: 169.254.169.254 is link-local";
  refused.error_kind = base::ErrorKind::forbidden;
  auto outcome = judge_attempt(webhook, refused, 1, policy, kNow);
  CHECK(outcome.kind == AttemptOutcome::give_up);
  CHECK(outcome.reason == refused.error);
  HttpReply too_large;
  too_large.error = "POST https://hooks.example/x: the answer is larger than the limit";
  too_large.error_kind = base::ErrorKind::invalid;
  CHECK(judge_attempt(webhook, too_large, 1, policy, kNow).kind == AttemptOutcome::give_up);
  HttpReply timed_out;
  timed_out.error = "POST https://hooks.example/x: no answer within 5000 ms";
  timed_out.error_kind = base::ErrorKind::unavailable;
  CHECK(judge_attempt(webhook, timed_out, 1, policy, kNow).kind == AttemptOutcome::retry);
}

TEST_CASE("backoff doubles from the first delay up to the cap, Retry-After replaces it") {
  Destination d;
  RetryPolicy policy;
  policy.max_attempts = 10;
  policy.first_backoff = 1s;
  policy.max_backoff = 5s;
  std::vector<std::chrono::system_clock::duration> delays;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    delays.push_back(judge_attempt(d, answer(500), attempt, policy, kNow).delay);
  }
  CHECK(delays == std::vector<std::chrono::system_clock::duration>{1s, 2s, 4s, 5s, 5s});
  CHECK(judge_attempt(d, answer(429, "17"), 4, policy, kNow).delay ==
        std::chrono::system_clock::duration(17s));
  CHECK(judge_attempt(d, answer(503, "garbage"), 2, policy, kNow).delay ==
        std::chrono::system_clock::duration(2s));  // unparsable: the backoff stands
}

TEST_CASE("gives up after the last attempt or when Retry-After is beyond the limit") {
  Destination d;
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.max_retry_after = 5min;
  const auto last = judge_attempt(d, answer(503), 3, policy, kNow);
  CHECK(last.kind == AttemptOutcome::give_up);
  CHECK(last.reason.find("gave up after 3 attempts") != std::string::npos);
  const auto too_long = judge_attempt(d, answer(429, "3600"), 1, policy, kNow);
  CHECK(too_long.kind == AttemptOutcome::give_up);
  CHECK(too_long.reason.find("Retry-After 3600") != std::string::npos);
}

TEST_CASE("Slack's Web API reports errors in a 200 body, incoming webhooks answer 'ok'") {
  Destination bot;
  bot.type = ProviderType::slack;
  bot.token = "xoxb-1";
  RetryPolicy policy;
  const auto refused = judge_attempt(
      bot, answer(200, "", R"({"ok":false,"error":"channel_not_found"})"), 1, policy, kNow);
  CHECK(refused.kind == AttemptOutcome::give_up);
  CHECK(refused.reason == "Slack API error: channel_not_found");
  CHECK(judge_attempt(bot, answer(200, "", R"({"ok":true,"ts":"1.2"})"), 1, policy, kNow).kind ==
        AttemptOutcome::delivered);
  Destination hook;
  hook.type = ProviderType::slack;
  CHECK(judge_attempt(hook, answer(200, "", "ok"), 1, policy, kNow).kind ==
        AttemptOutcome::delivered);
}

}  // namespace veer::notify
