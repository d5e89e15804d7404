#include "e2e/traffic/tests/support/loopback.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/client.hpp"

namespace veer::e2e::traffic {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::optional<std::string> get_ok(int port, const std::string& path,
                                  std::chrono::milliseconds timeout) {
  http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = timeout;
  request.connect_timeout = timeout;
  auto response = http::send(request);
  if (!response || response->status != 200) return std::nullopt;
  return response->body;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the condition's poll period
  }
  return true;
}

std::string upstream_crds_dir() {
  const char* named = std::getenv("VEER_UPSTREAM_CRDS");
  if (named != nullptr && *named != '\0') return named;
  return (std::filesystem::path(VEER_SOURCE_DIR).parent_path() / "shared" / "fixtures" /
          "upstream-crds")
      .string();
}

}  // namespace veer::e2e::traffic
