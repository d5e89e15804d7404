#include "operator/webhooks/http_hook_poster.hpp"

#include "http/client.hpp"
#include "http/outbound_policy.hpp"

namespace veer::webhooks {

HookReply HttpHookPoster::post(const HookCall& call) {
  http::Request request;
  request.method = "POST";
  request.url = call.url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = call.body;
  request.insecure_skip_verify = call.insecure_skip_verify;
  request.timeout = call.timeout;
  request.max_response_bytes = http::kSmallReplyBytes;
  auto reply = http::send(request);
  if (!reply) return {0, "", reply.error().message};
  return {static_cast<int>(reply->status), reply->body, ""};
}

}  // namespace veer::webhooks
