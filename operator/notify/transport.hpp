// The one outbound call notifications make: POST a request, get the answer. An interface so the
// delivery queue is tested against a real loopback receiver and, for pure queue logic, a script.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "base/result.hpp"
#include "operator/notify/destination.hpp"

namespace veer::notify {

struct HttpReply {
  int status = 0;                              // 0 when the request never got an answer
  std::map<std::string, std::string> headers;  // keys in lower case
  std::string body;
  std::string error;  // transport error (timeout, refused, TLS); may name the URL
  // Of a transport error: only `unavailable` is retried (a call the outbound policy refuses or
  // an answer over the size limit fails the same way every time).
  base::ErrorKind error_kind = base::ErrorKind::unavailable;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Never throws; every failure is in the reply. `timeout` bounds the whole call.
  virtual HttpReply post(const OutgoingRequest& request, std::chrono::milliseconds timeout) = 0;
};

}  // namespace veer::notify
