#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include "operator/server/status_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace veer::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

beast::tcp_stream& tcp_of(beast::tcp_stream& stream) {
  return stream;
}
beast::tcp_stream& tcp_of(beast::ssl_stream<beast::tcp_stream>& stream) {
  return stream.next_layer();
}

// One connection: plain TCP, or TLS whose handshake comes first and whose close says goodbye.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const std::map<std::string, Route>& routes, const Handler& fallback,
          std::uint64_t body_limit)
      : stream_(std::move(stream)), routes_(routes), fallback_(fallback), body_limit_(body_limit) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      tcp_of(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    tcp_of(stream_).expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) return self->answer(self->reply_to(self->parser_->get()));
                       if (ec == http::error::body_limit) {
                         Reply too_large{
                             413, "text/plain; charset=utf-8",
                             "request body over " + std::to_string(self->body_limit_) + " bytes\n"};
                         self->close_after_ = true;
                         return self->answer(too_large);
                       }
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

  void answer(const Reply& reply) {
    const auto& request = parser_->get();
    response_ = {};
    response_.version(request.version() ? request.version() : 11);
    response_.result(static_cast<unsigned>(reply.status));
    response_.set(http::field::content_type, reply.content_type);
    response_.set(http::field::server, "veer");
    for (const auto& [name, value] : reply.headers) response_.insert(name, value);
    response_.body() = request.method() == http::verb::head ? "" : reply.body;
    response_.keep_alive(!close_after_ && request.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) return self->read();
                        self->close();
                      });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      tcp_of(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const std::map<std::string, Route>& routes_;
  const Handler& fallback_;
  std::uint64_t body_limit_;
  bool close_after_ = false;
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
  std::optional<asio::ssl::context> tls;  // set: every connection is HTTPS
  std::uint64_t body_limit = 0;
  std::thread thread;
  int port = 0;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      if (tls) {
        using Tls = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<Tls>>(Tls(beast::tcp_stream(std::move(socket)), *tls), routes,
                                       fallback, body_limit)
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), routes,
                                                     fallback, body_limit)
            ->start();
      }
      accept();
    });
  }

  // A certificate and key that cannot be used are start-up errors naming the file.
  void load_tls(const ServerOptions& options) {
    if (options.tls_cert_file.empty() && options.tls_key_file.empty()) return;
    if (options.tls_cert_file.empty() || options.tls_key_file.empty())
      throw std::runtime_error("HTTPS needs both a certificate file and a key file");
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) throw std::runtime_error("certificate " + options.tls_cert_file + ": " + ec.message());
    tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("key " + options.tls_key_file + ": " + ec.message());
  }
};

StatusServer::StatusServer(const std::string& address, int port,
                           std::map<std::string, Route> routes, Handler fallback,
                           ServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  impl_->fallback = std::move(fallback);
  impl_->body_limit = options.body_limit;
  impl_->load_tls(options);
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
