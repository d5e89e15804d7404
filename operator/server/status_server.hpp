// The operator's own small HTTP server (/metrics, /healthz, /readyz): GET routes answered by
// plain functions on one thread. Boost.Beast lives in status_server.cpp only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace veer::server {

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Route = std::function<Reply()>;

class StatusServer {
 public:
  // Listens on `address`:`port` (port 0 picks a free one) and serves until stop(). A bind error
  // is thrown as std::runtime_error naming the address (a start-up failure, reported by the CLI).
  StatusServer(const std::string& address, int port, std::map<std::string, Route> routes);
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
