// HTTP/1.1 over TCP or TLS to one API server (Boost.Beast + OpenSSL, all inside
// http_transport.cpp). Request/response calls for the verbs, and line streams for watches.
// Every call has a timeout; errors are values naming the URL and what to check.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "operator/kube/cluster.hpp"
#include "operator/kube/kubeconfig.hpp"

namespace veer::kube {

struct TransportRequest {
  std::string method = "GET";
  std::string target;  // path and query, e.g. "/api/v1/namespaces/default/pods?limit=10"
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct TransportResponse {
  int status = 0;
  std::string body;
  int retry_after_seconds = -1;  // the Retry-After header (a 429's), -1 when absent
};

// A response body read line by line as it arrives (newline-delimited JSON of a watch).
class LineStream {
 public:
  virtual ~LineStream() = default;
  // Blocks until a line arrives; nullopt at the end of the stream, on an error or after stop().
  virtual std::optional<std::string> next_line() = 0;
  virtual void stop() = 0;
  // Why the stream ended, when it did not end cleanly (for logs).
  virtual std::string end_reason() const = 0;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Validates the server URL, CA, client certificate and key (Configuration errors name them).
  static Result<std::shared_ptr<HttpTransport>> create(const ClientConfig& config);

  virtual Result<TransportResponse> send(const TransportRequest& request) = 0;
  // For a 200 answer, a stream of the body's lines (`idle_timeout` bounds the wait for each
  // read); any other status is returned as a whole response.
  using Opened = std::variant<TransportResponse, std::unique_ptr<LineStream>>;
  virtual Result<Opened> open_stream(const TransportRequest& request,
                                     std::chrono::milliseconds idle_timeout) = 0;
  virtual const std::string& server() const = 0;
};

}  // namespace veer::kube
