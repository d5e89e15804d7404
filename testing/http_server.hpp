// A real HTTP/1.1 server on 127.0.0.1 (port 0) for tests: Prometheus stand-ins, webhook and Slack
// receivers. It is a test fixture, never used by veer itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace veer::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;
  std::string query;                           // without the '?'
  std::map<std::string, std::string> headers;  // keys in lower case
  std::string body;

  // A query parameter, URL-decoded ("" when absent).
  std::string param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  // Holds the connection open without answering, until the server stops (timeout tests).
  bool never_answer = false;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_handler(Handler handler);
  std::vector<HttpRequest> requests() const;
  std::size_t request_count() const;
  // Waits (on a condition, in real time) until at least n requests arrived; false on timeout.
  bool wait_for_requests(std::size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Stops accepting, closes every connection and joins the threads (the destructor calls it).
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  bool stopping_ = false;
  Handler handler_;
  std::vector<HttpRequest> requests_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
};

// URL-decodes a query component ("%2F" -> "/", "+" -> " ").
std::string url_decode(const std::string& text);

}  // namespace veer::testing
