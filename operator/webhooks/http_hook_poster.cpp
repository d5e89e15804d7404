#include "operator/webhooks/http_hook_poster.hpp"

#include "analysis/http/client.hpp"
#include "analysis/http/outbound_policy.hpp"

namespace veer::webhooks {

HookReply HttpHookPoster::post(const HookCall& call) {
  analysis::http::Request request;
  request.method = "POST";
  request.url = call.url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = call.body;
  request.insecure_skip_verify = call.insecure_skip_verify;
  request.timeout = call.timeout;
  request.max_response_bytes = analysis::http::kSmallReplyBytes;
  auto reply = analysis::http::send(request);
  if (!reply) return {0, "", reply.error()};
  return {static_cast<int>(reply->status), reply->body, ""};
}

}  // namespace veer::webhooks
