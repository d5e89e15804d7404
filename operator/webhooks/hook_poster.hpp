// The one outbound call rollout webhooks make: POST a JSON body, get the answer. An interface so
// the webhook runner is tested against a real loopback receiver and reconcile tests can script it.
#pragma once

#include <chrono>
#include <string>

namespace veer::webhooks {

struct HookCall {
  std::string url;
  std::string body;  // JSON
  std::chrono::milliseconds timeout{10'000};
  bool insecure_skip_verify = false;  // the webhook's disableTLS
};

struct HookReply {
  int status = 0;  // 0 when no answer arrived
  std::string body;
  std::string error;  // transport error naming the URL (timeout, refused, TLS)
};

class HookPoster {
 public:
  virtual ~HookPoster() = default;
  // Never throws; every failure is in the reply.
  virtual HookReply post(const HookCall& call) = 0;
};

}  // namespace veer::webhooks
