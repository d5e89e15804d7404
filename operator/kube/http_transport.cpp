// The only translation unit of operator/kube/ that includes Boost.Beast and Asio.
// clang-format off
#include <utility>  // before boost/asio/awaitable.hpp (Boost 1.74 uses std::exchange without it)
#include <boost/asio/awaitable.hpp>
// clang-format on
#include "operator/kube/http_transport.hpp"
#include "operator/kube/watch_frames.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace veer::kube {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Retry-After in seconds (the API server sends a whole number with a 429); -1 when absent.
template <typename Message>
int retry_after(const Message& message) {
  auto it = message.find(http::field::retry_after);
  if (it == message.end()) return -1;
  const std::string text(it->value());
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return -1;
  return text.size() > 6 ? 999'999 : std::stoi(text);
}

struct Endpoint {
  bool tls = true;
  std::string host;
  std::string port;
  std::string base_path;  // a server URL may carry a path prefix
};

ApiError configuration(const std::string& message) {
  return ApiError{ErrorType::Configuration, 0, "Configuration", message};
}

std::optional<Endpoint> parse_url(const std::string& url) {
  Endpoint ep;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    ep.tls = false;
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) ep.base_path = rest.substr(slash);
  while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  if (!authority.empty() && authority.front() == '[') {  // [::1]:6443
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    ep.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      ep.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    ep.host = authority.substr(0, colon);
    if (colon != std::string::npos) ep.port = authority.substr(colon + 1);
  }
  if (ep.port.empty()) ep.port = ep.tls ? "443" : "80";
  if (ep.host.empty()) return std::nullopt;
  return ep;
}

bool is_ip(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// The endpoint of a server whose URL names an IP address and a numeric port: nothing to
// resolve. Asio resolves on a thread of its own, started anew for every request's io_context,
// which cost more CPU than the rest of a request on loopback (issue 19).
std::optional<tcp::endpoint> literal_endpoint(const Endpoint& ep) {
  beast::error_code ec;
  auto address = net::ip::make_address(ep.host, ec);
  if (ec || ep.port.empty() || ep.port.size() > 5 ||
      ep.port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int port = std::stoi(ep.port);
  if (port > 65535) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

// What a transport failure means for the person reading it.
std::string advice(const beast::error_code& ec, SSL* ssl_handle) {
  if (ssl_handle != nullptr) {
    long verify = SSL_get_verify_result(ssl_handle);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
      return "the server's certificate is not for this host name: fix `server` or set "
             "`tls-server-name` in the kubeconfig";
    if (verify != X509_V_OK)
      return std::string("the server's certificate was rejected (") +
             X509_verify_cert_error_string(verify) +
             "): check certificate-authority(-data) in the kubeconfig";
  }
  if (ec == net::error::connection_refused)
    return "connection refused: is the API server running, and is `server` in the kubeconfig "
           "right?";
  if (ec == beast::error::timeout) return "timed out: the API server did not answer in time";
  if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again)
    return "the host name does not resolve";
  return ec.message();
}

class BeastTransport;

// A connection kept alive between requests, with the io_context its requests run on (on the
// caller's thread, as a new connection's do). A connect per request (and a TLS handshake on a
// real API server) cost more CPU than the request itself (issue 19).
struct KeptConnection {
  net::io_context ioc;  // first: the streams are destroyed before it
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  bool connected = false;
  Clock::time_point idle_since{};

  tcp::socket& socket() { return tls ? beast::get_lowest_layer(*tls).socket() : plain->socket(); }
};

// What one request on a connection came to.
struct Exchange {
  std::optional<Result<TransportResponse>> result;
  bool ok = false;           // a whole answer was read
  bool answered = false;     // some of an answer was read
  bool keep = false;         // the connection may carry another request
  bool peer_closed = false;  // it failed because the server had closed the connection
};

bool closed_by_peer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

// Under API servers' idle timeouts (Go's net/http: 90 s and more), so the server rarely closes
// a connection just as it is used again; the retry in send() covers the rest.
constexpr auto kMaxIdle = std::chrono::seconds(30);
constexpr std::size_t kMaxIdleConnections = 16;

// True when nothing arrived on an idle connection: a server that closed it (or sent anything
// unasked) makes it readable.
bool quiet(tcp::socket& socket) {
  if (!socket.is_open()) return false;
  pollfd polled{socket.native_handle(), POLLIN, 0};
  return ::poll(&polled, 1, 0) == 0;
}

class BeastLineStream final : public LineStream {
 public:
  ~BeastLineStream() override {
    stop();
    if (thread_.joinable()) thread_.join();
  }

  std::optional<std::string> next_line() override {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !lines_.empty() || ended_; });
    if (lines_.empty() || stopped_) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
  }

  void stop() override {
    {
      std::lock_guard guard(mutex_);
      stopped_ = true;
      ended_ = true;
      cv_.notify_all();
    }
    net::post(ioc_, [this] {
      if (closer_) closer_();
    });
  }

  std::string end_reason() const override {
    std::lock_guard guard(mutex_);
    return end_reason_;
  }

  // Used by the reading coroutine.
  void push(std::string line) {
    std::lock_guard guard(mutex_);
    if (stopped_) return;
    lines_.push_back(std::move(line));
    cv_.notify_all();
  }
  void end(std::string reason) {
    std::lock_guard guard(mutex_);
    ended_ = true;
    if (end_reason_.empty()) end_reason_ = std::move(reason);
    cv_.notify_all();
  }
  bool stopped() const {
    std::lock_guard guard(mutex_);
    return stopped_;
  }

  net::io_context ioc_;
  std::thread thread_;
  std::function<void()> closer_;  // set and used on the io thread only

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  bool ended_ = false;
  bool stopped_ = false;
  std::string end_reason_;
};

// What the opening coroutine of a stream reports back to open_stream().
struct StreamOpening {
  std::mutex mutex;
  std::condition_variable cv;
  bool decided = false;
  std::optional<Result<HttpTransport::Opened>> outcome;
};

class BeastTransport final : public HttpTransport {
 public:
  BeastTransport(Endpoint ep, std::shared_ptr<ssl::context> ctx, std::string server,
                 std::string tls_name, std::string origin)
      : ep_(std::move(ep)),
        ctx_(std::move(ctx)),
        server_(std::move(server)),
        tls_name_(std::move(tls_name)),
        origin_(std::move(origin)),
        literal_(literal_endpoint(ep_)) {}

  const std::string& server() const override { return server_; }

  // On a kept-alive connection when one is idle. If the server closed that one while it was
  // idle (the request failed on a closed connection before any answer arrived), the request
  // goes once more on a new connection: the server had closed it before reading the request,
  // so it did not act on it. A timeout is not retried: the server may be acting on it.
  Result<TransportResponse> send(const TransportRequest& request) override {
    auto connection = take_idle();
    const bool reused = connection != nullptr;
    if (!reused) connection = fresh();
    auto outcome = send_on(*connection, request);
    if (reused && outcome.peer_closed && !outcome.answered) {
      connection = fresh();
      outcome = send_on(*connection, request);
    }
    if (outcome.keep) give_back(std::move(connection));
    if (!outcome.result) return failure(request, "the request was abandoned", {}, nullptr);
    return *outcome.result;
  }

  Result<Opened> open_stream(const TransportRequest& request,
                             std::chrono::milliseconds idle_timeout) override {
    auto stream = std::make_unique<BeastLineStream>();
    auto opening = std::make_shared<StreamOpening>();
    net::co_spawn(stream->ioc_, read_stream(request, idle_timeout, *stream, opening),
                  net::detached);
    BeastLineStream* raw = stream.get();
    stream->thread_ = std::thread([raw] { raw->ioc_.run(); });
    std::unique_lock lock(opening->mutex);
    // The coroutine has its own timeouts and always decides.
    opening->cv.wait(lock, [&] { return opening->decided; });
    if (!opening->outcome->ok()) return opening->outcome->error();
    auto& opened = opening->outcome->value();
    if (std::holds_alternative<TransportResponse>(opened))
      return Opened{std::get<TransportResponse>(std::move(opened))};
    return Opened{std::unique_ptr<LineStream>(std::move(stream))};
  }

 private:
  std::string url(const TransportRequest& request) const { return server_ + request.target; }

  ApiError failure(const TransportRequest& request, const std::string& what,
                   const beast::error_code& ec, SSL* ssl_handle) const {
    std::string message = request.method + " " + url(request) + " (" + origin_ + "): " + what;
    if (ec) message += ": " + advice(ec, ssl_handle);
    return ApiError{ec == beast::error::timeout ? ErrorType::Timeout : ErrorType::Transport, 0,
                    ec == beast::error::timeout ? "Timeout" : "TransportError", message};
  }

  http::request<http::string_body> build(const TransportRequest& request) const {
    http::request<http::string_body> req{http::string_to_verb(request.method),
                                         ep_.base_path + request.target, 11};
    req.set(http::field::host, ep_.host);
    req.set(http::field::accept, "application/json");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      req.body() = request.body;
      req.prepare_payload();
    }
    return req;  // HTTP/1.1: kept alive unless the server says otherwise
  }

  // Connects (and handshakes) `stream`; returns a failure or nullopt.
  template <class Stream>
  net::awaitable<std::optional<ApiError>> connect(Stream& stream, const TransportRequest& request) {
    beast::error_code ec;
    auto& lowest = beast::get_lowest_layer(stream);
    if (literal_) {
      lowest.expires_after(request.timeout);
      co_await lowest.async_connect(*literal_, net::redirect_error(net::use_awaitable, ec));
    } else {
      auto executor = co_await net::this_coro::executor;
      tcp::resolver resolver(executor);
      auto endpoints = co_await resolver.async_resolve(ep_.host, ep_.port,
                                                       net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return failure(request, "cannot resolve " + ep_.host, ec, nullptr);
      lowest.expires_after(request.timeout);
      co_await lowest.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) co_return failure(request, "cannot connect", ec, nullptr);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      SSL* handle = stream.native_handle();
      if (!is_ip(tls_name_)) SSL_set_tlsext_host_name(handle, tls_name_.c_str());
      if (ctx_verify_) {
        X509_VERIFY_PARAM* param = SSL_get0_param(handle);
        if (is_ip(tls_name_))
          X509_VERIFY_PARAM_set1_ip_asc(param, tls_name_.c_str());
        else
          X509_VERIFY_PARAM_set1_host(param, tls_name_.c_str(), 0);
      }
      co_await stream.async_handshake(ssl::stream_base::client,
                                      net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return failure(request, "TLS handshake failed", ec, handle);
    }
    co_return std::nullopt;
  }

  // One request and its answer on `stream`, connecting first unless it is connected.
  template <class Stream>
  net::awaitable<void> exchange_on(Stream& stream, bool connected, const TransportRequest& request,
                                   Exchange& out) {
    auto& lowest = beast::get_lowest_layer(stream);
    if (!connected) {
      if (auto failed = co_await connect(stream, request)) {
        out.result = *failed;
        co_return;
      }
    } else {
      lowest.expires_after(request.timeout);
    }
    beast::error_code ec;
    auto req = build(request);
    co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      out.result = failure(request, "cannot send the request", ec, nullptr);
      out.peer_closed = closed_by_peer(ec);
      co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 31);
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    out.answered = parser.got_some();
    if (ec) {
      out.result = failure(request, "no complete response", ec, nullptr);
      out.peer_closed = closed_by_peer(ec);
      co_return;
    }
    out.ok = true;
    // Bytes past the answer would belong to no request: such a connection is not used again.
    out.keep = parser.get().keep_alive() && buffer.size() == 0;
    out.result = TransportResponse{static_cast<int>(parser.get().result_int()),
                                   std::move(parser.get().body()), retry_after(parser.get())};
    lowest.expires_never();
  }

  Exchange send_on(KeptConnection& connection, const TransportRequest& request) {
    Exchange out;
    connection.ioc.restart();
    if (connection.tls) {
      net::co_spawn(connection.ioc,
                    exchange_on(*connection.tls, connection.connected, request, out),
                    net::detached);
    } else {
      net::co_spawn(connection.ioc,
                    exchange_on(*connection.plain, connection.connected, request, out),
                    net::detached);
    }
    connection.ioc.run();
    connection.connected = out.ok;
    return out;
  }

  std::unique_ptr<KeptConnection> fresh() const {
    auto connection = std::make_unique<KeptConnection>();
    if (ep_.tls)
      connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
          connection->ioc.get_executor(), *ctx_);
    else
      connection->plain = std::make_unique<beast::tcp_stream>(connection->ioc.get_executor());
    return connection;
  }

  // An idle connection still worth using (none: connect anew). One idle too long, or that the
  // server closed or wrote to meanwhile, is dropped.
  std::unique_ptr<KeptConnection> take_idle() {
    std::lock_guard guard(idle_mutex_);
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (Clock::now() - connection->idle_since < kMaxIdle && quiet(connection->socket()))
        return connection;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<KeptConnection> connection) {
    connection->idle_since = Clock::now();
    std::lock_guard guard(idle_mutex_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
  }

  template <class Stream>
  net::awaitable<void> stream_on(Stream& stream, const TransportRequest& request,
                                 std::chrono::milliseconds idle_timeout, BeastLineStream& lines,
                                 std::shared_ptr<StreamOpening> opening) {
    auto decide = [&](Result<Opened> outcome) {
      std::lock_guard guard(opening->mutex);
      opening->outcome.emplace(std::move(outcome));
      opening->decided = true;
      opening->cv.notify_all();
    };
    lines.closer_ = [&stream] {
      beast::error_code ignored;
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream).close();
    };
    if (auto failed = co_await connect(stream, request)) {
      lines.closer_ = nullptr;
      decide(*failed);
      lines.end(failed->message);
      co_return;
    }
    beast::error_code ec;
    auto req = build(request);
    req.keep_alive(false);  // a watch's connection ends with it
    co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    // Not boost::none: Beast 1.74 then rejects any body with a Content-Length.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) {
      co_await http::async_read_header(stream, buffer, parser,
                                       net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) {
      lines.closer_ = nullptr;
      auto error = failure(request, "no answer to the watch request", ec, nullptr);
      decide(error);
      lines.end(error.message);
      co_return;
    }
    int status = static_cast<int>(parser.get().result_int());
    if (status != 200) {
      co_await http::async_read(stream, buffer, parser,
                                net::redirect_error(net::use_awaitable, ec));
      lines.closer_ = nullptr;
      decide(Opened{TransportResponse{status, std::move(parser.get().body())}});
      lines.end("HTTP " + std::to_string(status));
      co_return;
    }
    decide(Opened{std::unique_ptr<LineStream>()});  // the caller wraps `lines`
    bool too_long = false;
    while (!parser.is_done() && !lines.stopped()) {
      beast::get_lowest_layer(stream).expires_after(idle_timeout);
      co_await http::async_read_some(stream, buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
      std::vector<std::string> complete;
      const bool bounded = take_lines(parser.get().body(), complete);
      for (auto& line : complete) lines.push(std::move(line));
      if (!bounded) {
        too_long = true;
        break;
      }
      if (ec) break;
    }
    lines.closer_ = nullptr;
    if (too_long) {
      lines.end("a watch event line of " + request.target + " is longer than " +
                std::to_string(kMaxWatchLineBytes >> 20) + " MiB; the stream was given up");
      co_return;
    }
    lines.end(ec && ec != http::error::end_of_stream && !lines.stopped()
                  ? failure(request, "the watch stream broke", ec, nullptr).message
                  : std::string());
  }

  net::awaitable<void> read_stream(TransportRequest request, std::chrono::milliseconds idle_timeout,
                                   BeastLineStream& lines, std::shared_ptr<StreamOpening> opening) {
    auto executor = co_await net::this_coro::executor;
    if (ep_.tls) {
      beast::ssl_stream<beast::tcp_stream> stream(executor, *ctx_);
      co_await stream_on(stream, request, idle_timeout, lines, opening);
    } else {
      beast::tcp_stream stream(executor);
      co_await stream_on(stream, request, idle_timeout, lines, opening);
    }
  }

 public:
  bool ctx_verify_ = true;

 private:
  Endpoint ep_;
  std::shared_ptr<ssl::context> ctx_;
  std::string server_;
  std::string tls_name_;
  std::string origin_;
  std::optional<tcp::endpoint> literal_;  // the server's address when its URL names an IP
  std::mutex idle_mutex_;
  std::vector<std::unique_ptr<KeptConnection>> idle_;  // kept alive, newest last
};

}  // namespace

Result<std::shared_ptr<HttpTransport>> HttpTransport::create(const ClientConfig& config) {
  auto ep = parse_url(config.server);
  if (!ep)
    return configuration(config.origin + ": server \"" + config.server +
                         "\" is not an http(s) URL such as https://127.0.0.1:6443");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  bool verify = ep->tls && !config.insecure_skip_tls_verify;
  if (ep->tls) {
    ctx->set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
    if (verify) {
      if (!config.ca_data.empty()) {
        ctx->add_certificate_authority(net::buffer(config.ca_data), ec);
        if (ec)
          return configuration(config.origin +
                               ": certificate-authority-data is not a PEM certificate (" +
                               ec.message() + ")");
      } else if (!config.ca_file.empty()) {
        ctx->load_verify_file(config.ca_file, ec);
        if (ec)
          return configuration(config.origin + ": cannot load certificate-authority " +
                               config.ca_file + " (" + ec.message() + ")");
      } else {
        ctx->set_default_verify_paths(ec);
      }
    }
    if (!config.client_cert_data.empty()) {
      ctx->use_certificate_chain(net::buffer(config.client_cert_data), ec);
      if (ec)
        return configuration(config.origin + ": client-certificate-data is not a PEM certificate");
    } else if (!config.client_cert_file.empty()) {
      ctx->use_certificate_chain_file(config.client_cert_file, ec);
      if (ec)
        return configuration(config.origin + ": cannot load client-certificate " +
                             config.client_cert_file + " (" + ec.message() + ")");
    }
    if (!config.client_key_data.empty()) {
      ctx->use_private_key(net::buffer(config.client_key_data), ssl::context::pem, ec);
      if (ec) return configuration(config.origin + ": client-key-data is not a PEM private key");
    } else if (!config.client_key_file.empty()) {
      ctx->use_private_key_file(config.client_key_file, ssl::context::pem, ec);
      if (ec)
        return configuration(config.origin + ": cannot load client-key " + config.client_key_file +
                             " (" + ec.message() + ")");
    }
  }
  std::string server = config.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  std::string tls_name = config.tls_server_name.empty() ? ep->host : config.tls_server_name;
  auto transport = std::make_shared<BeastTransport>(*ep, ctx, server, tls_name, config.origin);
  transport->ctx_verify_ = verify;
  return std::shared_ptr<HttpTransport>(transport);
}

}  // namespace veer::kube
