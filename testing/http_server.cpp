#include "testing/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace veer::testing {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  auto end = s.find_last_not_of(" \t\r");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads from fd into buffer until `done(buffer)` or the peer closes; false on close/error.
template <typename Done>
bool read_until(int fd, std::string& buffer, Done done) {
  char chunk[8192];
  while (!done(buffer)) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

// Decodes a chunked body that starts at buffer[pos]; reads more as needed. Returns false on error.
bool read_chunked(int fd, std::string& buffer, std::size_t pos, std::string& body,
                  std::size_t& end) {
  for (;;) {
    if (!read_until(fd, buffer,
                    [&](const std::string& b) { return b.find("\r\n", pos) != std::string::npos; }))
      return false;
    auto line_end = buffer.find("\r\n", pos);
    std::size_t size = std::stoul(buffer.substr(pos, line_end - pos), nullptr, 16);
    pos = line_end + 2;
    if (!read_until(fd, buffer, [&](const std::string& b) { return b.size() >= pos + size + 2; }))
      return false;
    body.append(buffer, pos, size);
    pos += size + 2;
    if (size == 0) {
      end = pos;
      return true;
    }
  }
}

}  // namespace

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
               std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string HttpRequest::param(const std::string& name) const {
  std::string source = query;
  // Form posts (e.g. Prometheus POST /api/v1/query) carry their parameters in the body.
  auto type = headers.find("content-type");
  if (type != headers.end() && type->second.find("application/x-www-form-urlencoded") == 0)
    source += (source.empty() ? "" : "&") + body;
  std::size_t start = 0;
  while (start <= source.size()) {
    auto end = source.find('&', start);
    if (end == std::string::npos) end = source.size();
    auto pair = source.substr(start, end - start);
    auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == name)
      return eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return "";
}

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("test HTTP server: socket() failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test HTTP server: cannot listen on 127.0.0.1:0");
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  {
    std::lock_guard guard(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard guard(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void HttpServer::set_handler(Handler handler) {
  std::lock_guard guard(mutex_);
  handler_ = std::move(handler);
}

std::vector<HttpRequest> HttpServer::requests() const {
  std::lock_guard guard(mutex_);
  return requests_;
}

std::size_t HttpServer::request_count() const {
  std::lock_guard guard(mutex_);
  return requests_.size();
}

bool HttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void HttpServer::accept_loop() {
  for (;;) {
    pollfd p{listen_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);
    {
      std::lock_guard guard(mutex_);
      if (stopping_) return;
    }
    if (ready <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard guard(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    connections_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void HttpServer::serve(int fd) {
  std::string buffer;
  for (;;) {
    if (!read_until(fd, buffer,
                    [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }))
      break;
    auto head_end = buffer.find("\r\n\r\n");
    HttpRequest request;
    std::size_t line_start = 0;
    bool first = true;
    while (line_start < head_end) {
      auto line_end = buffer.find("\r\n", line_start);
      std::string line = buffer.substr(line_start, line_end - line_start);
      line_start = line_end + 2;
      if (first) {
        first = false;
        auto a = line.find(' ');
        auto b = line.find(' ', a + 1);
        request.method = line.substr(0, a);
        request.target = line.substr(a + 1, b - a - 1);
        auto q = request.target.find('?');
        request.path = request.target.substr(0, q);
        if (q != std::string::npos) request.query = request.target.substr(q + 1);
        continue;
      }
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      request.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
    }
    std::size_t body_start = head_end + 4;
    std::size_t request_end = body_start;
    if (lower(request.headers["transfer-encoding"]) == "chunked") {
      if (!read_chunked(fd, buffer, body_start, request.body, request_end)) break;
    } else {
      std::size_t length = 0;
      if (auto it = request.headers.find("content-length"); it != request.headers.end())
        length = std::stoul(it->second);
      if (!read_until(fd, buffer,
                      [&](const std::string& b) { return b.size() >= body_start + length; }))
        break;
      request.body = buffer.substr(body_start, length);
      request_end = body_start + length;
    }
    buffer.erase(0, request_end);

    Handler handler;
    {
      std::lock_guard guard(mutex_);
      requests_.push_back(request);
      handler = handler_;
    }
    changed_.notify_all();
    HttpResponse response = handler ? handler(request) : HttpResponse{404, {}, "no handler"};
    if (response.never_answer) {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_; });
      break;
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      reason_phrase(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
    out += response.body;
    if (!send_all(fd, out)) break;
    if (lower(request.headers["connection"]) == "close") break;
  }
  ::shutdown(fd, SHUT_RDWR);
  std::lock_guard guard(mutex_);
  connections_.erase(std::remove(connections_.begin(), connections_.end(), fd), connections_.end());
  ::close(fd);
}

}  // namespace veer::testing
