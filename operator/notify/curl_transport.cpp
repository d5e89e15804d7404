#include "operator/notify/curl_transport.hpp"

#include "http/client.hpp"
#include "http/outbound_policy.hpp"

namespace veer::notify {

HttpReply CurlTransport::post(const OutgoingRequest& request, std::chrono::milliseconds timeout) {
  http::Request call;
  call.method = "POST";
  call.url = request.url;
  call.headers = request.headers;
  call.body = request.body;
  call.proxy = request.proxy;
  call.timeout = timeout;
  call.max_response_bytes = http::kSmallReplyBytes;  // an answer is read for its status and error
  auto answer = http::send(call);
  HttpReply reply;
  if (!answer.ok()) {
    reply.error = answer.error().message;  // names the URL: callers redact before printing
    reply.error_kind = answer.error().kind;
    return reply;
  }
  reply.status = static_cast<int>(answer.value().status);
  reply.headers = std::move(answer.value().headers);
  reply.body = std::move(answer.value().body);
  return reply;
}

}  // namespace veer::notify
