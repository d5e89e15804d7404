// A misbehaving HTTP server on 127.0.0.1 (port 0) for the client's limit tests: each connection
// is handed to a script that writes whatever it likes (an endless body, a trickle, nothing).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace veer::analysis::testing {

class RawServer {
 public:
  // `script` runs once per connection, after the request head was read; it writes with `send`
  // (false once the peer is gone or the server stops) and may wait with `sleep_ms` (false when
  // the server stops).
  struct Connection {
    std::function<bool(const std::string&)> send;
    std::function<bool(int)> sleep_ms;
  };
  using Script = std::function<void(Connection&)>;

  explicit RawServer(Script script);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::size_t bytes_sent() const { return bytes_sent_; }

 private:
  void serve(int fd);

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> bytes_sent_{0};
  std::mutex mutex_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace veer::analysis::testing
