// RestCluster keeps its connection to the API server alive between requests, and a connection
// the server closed is replaced without failing a request.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "operator/kube/rest_cluster.hpp"

using namespace veer::kube;

namespace {

// One connection at a time, HTTP/1.1 kept alive: answers `answers_per_connection` GETs on a
// connection, then reads the next request and closes without answering it (as a server closing
// an idle connection just as a request arrives). Answers discovery and the ConfigMap "a".
class ClosingServer {
 public:
  explicit ClosingServer(int answers_per_connection) : per_connection_(answers_per_connection) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosingServer() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }

 private:
  static std::string answer(const std::string& request) {
    const bool discovery = request.rfind("GET /api/v1 ", 0) == 0;
    const std::string body =
        discovery
            ? R"({"kind":"APIResourceList","resources":[{"name":"configmaps","kind":"ConfigMap","namespaced":true}]})"
            : R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","resourceVersion":"7"}})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // The next request's head ("" when the client closed or the server stops).
  std::string read_request(int fd) {
    std::string buffer;
    char chunk[4096];
    while (buffer.find("\r\n\r\n") == std::string::npos) {
      pollfd polled{fd, POLLIN, 0};
      if (::poll(&polled, 1, 50) == 0) {
        if (stopping_) return "";
        continue;
      }
      const auto got = ::read(fd, chunk, sizeof chunk);
      if (got <= 0) return "";
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    return buffer;
  }

  void serve() {
    while (!stopping_) {
      pollfd polled{listen_fd_, POLLIN, 0};
      if (::poll(&polled, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      for (int answered = 0;; ++answered) {
        const auto request = read_request(fd);
        if (request.empty() || answered == per_connection_) break;
        const auto reply = answer(request);
        if (::write(fd, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) break;
      }
      ::close(fd);
    }
  }

  int per_connection_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

ClientConfig closing_server_config(const ClosingServer& server) {
  ClientConfig config;
  config.server = server.url();
  config.origin = "test kubeconfig";
  return config;
}

const ResourceType kKeptAliveConfigMap{"", "v1", "", "ConfigMap"};

}  // namespace

TEST_CASE("requests share one kept-alive connection") {
  ClosingServer server(1000);
  veer::base::RealClock clock;
  RestCluster cluster(closing_server_config(server), clock);
  for (int i = 0; i < 5; ++i) {
    auto got = cluster.get(ObjectRef{kKeptAliveConfigMap, "default", "a"});
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
  }
  CHECK(server.connections() == 1);  // discovery and 5 GETs
}

TEST_CASE("a request on a connection the server closes unanswered goes again on a new one") {
  ClosingServer server(2);
  veer::base::RealClock clock;
  RestCluster cluster(closing_server_config(server), clock);
  for (int i = 0; i < 6; ++i) {
    auto got = cluster.get(ObjectRef{kKeptAliveConfigMap, "default", "a"});
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
    CHECK(resource_version_of(*got) == "7");
  }
  CHECK(server.connections() >= 3);  // 7 answers, 2 a connection
}
