#include "analysis/tests/support/raw_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <chrono>
#include <stdexcept>

#include "analysis/tests/support/loopback_listener.hpp"

namespace veer::analysis::testing {

RawServer::RawServer(Script script) : script_(std::move(script)) {
  listen_fd_ = listen_on_loopback(port_, "RawServer");
  acceptor_ = std::thread([this] {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      connections_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

RawServer::~RawServer() {
  stopping_ = true;
  acceptor_.join();
  std::lock_guard lock(mutex_);
  for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  for (auto& t : threads_) t.join();
  for (int fd : connections_) ::close(fd);
  ::close(listen_fd_);
}

void RawServer::serve(int fd) {
  std::string head;
  char buffer[4096];
  while (!stopping_ && head.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  Connection connection;
  connection.send = [&](const std::string& data) {
    std::size_t done = 0;
    while (done < data.size() && !stopping_) {
      const auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
      bytes_sent_ += static_cast<std::size_t>(n);
    }
    return !stopping_;
  };
  connection.sleep_ms = [&](int ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return !stopping_.load();
  };
  script_(connection);
}

}  // namespace veer::analysis::testing
