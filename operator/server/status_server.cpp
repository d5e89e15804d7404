#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include "operator/server/status_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <thread>

namespace veer::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const std::map<std::string, Route>& routes, const Handler& fallback)
      : stream_(std::move(socket)), routes_(routes), fallback_(fallback) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->answer();
                     });
  }

  Reply reply_to(const http::request<http::string_body>& request) const {
    std::string target(request.target());
    const auto question = target.find('?');
    const bool read_only =
        request.method() == http::verb::get || request.method() == http::verb::head;
    if (auto it = routes_.find(target.substr(0, question)); read_only && it != routes_.end())
      return it->second();
    if (fallback_) {
      Request r;
      r.method = std::string(request.method_string());
      r.path = target.substr(0, question);
      if (question != std::string::npos) r.query = target.substr(question + 1);
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      r.body = request.body();
      return fallback_(r);
    }
    if (!read_only) return {405, "text/plain; charset=utf-8", "only GET\n"};
    return {404, "text/plain; charset=utf-8", "not found: " + target.substr(0, question) + "\n"};
  }

  void answer() {
    request_ = parser_->release();
    const auto reply = reply_to(request_);
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(reply.status));
    response_.set(http::field::content_type, reply.content_type);
    response_.set(http::field::server, "veer");
    for (const auto& [name, value] : reply.headers) response_.insert(name, value);
    response_.body() = request_.method() == http::verb::head ? "" : reply.body;
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) return self->read();
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  static constexpr std::uint64_t kBodyLimit = 64 * 1024;  // forms are small
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  const std::map<std::string, Route>& routes_;
  const Handler& fallback_;
};

}  // namespace

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct StatusServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::map<std::string, Route> routes;
  Handler fallback;
  std::thread thread;
  int port = 0;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      std::make_shared<Session>(std::move(socket), routes, fallback)->start();
      accept();
    });
  }
};

StatusServer::StatusServer(const std::string& address, int port,
                           std::map<std::string, Route> routes, Handler fallback)
    : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  impl_->fallback = std::move(fallback);
  beast::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("cannot listen on '" + address + "': not an IP address");
  tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

StatusServer::~StatusServer() {
  stop();
}

int StatusServer::port() const {
  return impl_->port;
}

void StatusServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
}

}  // namespace veer::server
