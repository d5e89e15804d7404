// The operator's own small HTTP server (/metrics, /healthz, /readyz, the dashboard, the
// admission webhook): GET routes answered by plain functions on one thread, and optionally one
// handler that sees the whole request (any method, headers, body) for every other path; plain
// HTTP, or HTTPS with a certificate and key from files. Boost.Beast lives in status_server.cpp
// only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace veer::server {

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra: Location, Set-Cookie
};

using Route = std::function<Reply()>;

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // without the query
  std::string query;                           // after '?', not decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// Answers every request no Route matched; the server adds nothing but Content-Length.
using Handler = std::function<Reply(const Request&)>;

struct ServerOptions {
  // HTTPS when both are set: PEM files (a certificate chain, then its key), read at start and
  // again before the next connection whenever either file changes (certificate rotation).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::uint64_t body_limit = 64 * 1024;  // a larger request body is refused (413)
};

class StatusServer {
 public:
  // Listens on `address`:`port` (port 0 picks a free one) and serves until stop(). A bind error
  // or an unreadable certificate or key is thrown as std::runtime_error naming the address or the
  // file (a start-up failure, reported by the CLI).
  StatusServer(const std::string& address, int port, std::map<std::string, Route> routes,
               Handler fallback = {}, ServerOptions options = {});
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace veer::server
