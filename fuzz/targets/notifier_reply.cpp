// A chat provider's answer to a notification: how veer judges it (delivered, retry after a
// delay, give up), the Retry-After header, and the redacted reason it logs.
#include <chrono>

#include "operator/notify/provider.hpp"
#include "operator/notify/retry_policy.hpp"
#include "support/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace veer::notify;
  const auto reply = veer::fuzz::reply_of(data, size);
  Destination to;
  to.type = static_cast<ProviderType>(reply.variant % 6);
  to.address = "https://hooks.example.com/services/T000/B000/XXXX";
  if (reply.variant & 0x80) to.token = "xoxb-secret";
  const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
  (void)rejection(to, reply.status, reply.body);
  (void)parse_retry_after(reply.header, now);
  HttpReply answer{reply.status, {{"retry-after", reply.header}}, reply.body, ""};
  if (reply.status == 0) answer.error = reply.body;
  for (int attempt : {1, 4}) {
    auto outcome = judge_attempt(to, answer, attempt, RetryPolicy{}, now);
    (void)redact(outcome.reason, to);
  }
  return 0;
}
