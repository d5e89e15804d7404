#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testing/http_server.hpp"

using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

// A raw HTTP exchange over a socket, so the fixture is tested without any client library.
std::string exchange(int port, const std::string& request, bool read_reply = true) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string reply;
  if (read_reply) {
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
      reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

}  // namespace

TEST_CASE("the test server answers with the handler's response and records the request") {
  HttpServer server([](const HttpRequest& r) {
    return HttpResponse{
        201, {{"X-Echo", r.param("query")}}, r.method + " " + r.path + " " + r.body};
  });
  std::string reply = exchange(server.port(),
                               "POST /api/v1/query?query=up%7Bjob%3D%22a%22%7D HTTP/1.1\r\n"
                               "Host: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  CHECK(reply.find("HTTP/1.1 201 Created\r\n") == 0);
  CHECK(reply.find("X-Echo: up{job=\"a\"}\r\n") != std::string::npos);
  CHECK(reply.find("\r\n\r\nPOST /api/v1/query hello") != std::string::npos);
  REQUIRE(server.request_count() == 1);
  auto request = server.requests()[0];
  CHECK(request.headers.at("host") == "x");
  CHECK(request.query == "query=up%7Bjob%3D%22a%22%7D");
}

TEST_CASE("form-encoded and chunked bodies are understood") {
  HttpServer server([](const HttpRequest& r) { return HttpResponse{200, {}, r.param("q")}; });
  std::string reply =
      exchange(server.port(),
               "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               "4\r\nq=a+\r\n4\r\nb%21\r\n0\r\n\r\n");
  CHECK(reply.substr(reply.size() - 4) == "a b!");
}

TEST_CASE("a never-answering response holds the connection until the server stops") {
  HttpServer server([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  exchange(server.port(), "GET / HTTP/1.1\r\n\r\n", false);
  CHECK(server.wait_for_requests(1));
  server.stop();  // must not hang
}
