#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include "operator/server/status_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include <openssl/ssl.h>
#include <sys/stat.h>

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
  // `context`: the TLS context the stream was made with, kept for as long as the connection
  // lasts (a certificate reload replaces the server's, not this one's).
  Session(Stream stream, const std::map<std::string, Route>& routes, const Handler& fallback,
          std::uint64_t body_limit, std::shared_ptr<asio::ssl::context> context = nullptr)
      : context_(std::move(context)),
        stream_(std::move(stream)),
        routes_(routes),
        fallback_(fallback),
        body_limit_(body_limit) {}

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

  std::shared_ptr<asio::ssl::context> context_;  // declared first: outlives the stream
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const std::map<std::string, Route>& routes_;
  const Handler& fallback_;
  std::uint64_t body_limit_;
  bool close_after_ = false;
};

// What identifies one version of a file: a rotation (a Secret volume swaps a symlink; cert-manager
// or an editor writes anew) changes the inode, the modification time or the size.
struct FileStamp {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  off_t size = -1;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_ino,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          st.st_size};
}

// A server TLS context from PEM files, or why not (naming the file); the key must match the
// certificate, so a rotation caught half-way (new certificate, old key) is refused, not served.
std::shared_ptr<asio::ssl::context> tls_context(const std::string& cert_file,
                                                const std::string& key_file, std::string& error) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "certificate " + cert_file + ": " + ec.message();
    return nullptr;
  }
  context->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    error = "key " + key_file + ": " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    error = "key " + key_file + " does not match certificate " + cert_file;
    return nullptr;
  }
  return context;
}

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
  std::shared_ptr<asio::ssl::context> tls;  // set: every connection is HTTPS
  std::string cert_file, key_file;
  std::pair<FileStamp, FileStamp> tls_stamps;  // of the files when last read
  std::uint64_t body_limit = 0;
  std::thread thread;
  int port = 0;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      if (tls) {
        reload_tls_if_changed();
        using Tls = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<Tls>>(Tls(beast::tcp_stream(std::move(socket)), *tls), routes,
                                       fallback, body_limit, tls)
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
    cert_file = options.tls_cert_file;
    key_file = options.tls_key_file;
    tls_stamps = {stamp_of(cert_file), stamp_of(key_file)};
    std::string error;
    tls = tls_context(cert_file, key_file, error);
    if (!tls) throw std::runtime_error(error);
  }

  // Rotated files are read before the next connection is accepted (a stat of each per
  // connection). Files that cannot be used keep the last good pair in service; they are read
  // again when they change again.
  void reload_tls_if_changed() {
    const std::pair<FileStamp, FileStamp> now{stamp_of(cert_file), stamp_of(key_file)};
    if (now == tls_stamps) return;
    tls_stamps = now;
    std::string ignored;
    if (auto fresh = tls_context(cert_file, key_file, ignored)) tls = std::move(fresh);
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
