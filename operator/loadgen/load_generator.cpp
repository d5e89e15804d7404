#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include "operator/loadgen/load_generator.hpp"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <memory>
#include <optional>

#include "operator/loadgen/http_url.hpp"

namespace veer::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

double thread_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Connection;

// One URL's schedule, waiting requests and connections.
class UrlLoad {
 public:
  UrlLoad(asio::io_context& io, const LoadOptions& options, UrlResult& result, const HttpUrl& url,
          tcp::resolver::results_type endpoints, Clock::time_point start)
      : io_(io),
        options_(options),
        result_(result),
        endpoints_(std::move(endpoints)),
        timer_(io),
        start_(start),
        end_(start + options.duration),
        period_(std::chrono::duration<double>(1.0 / options.qps)) {
    request_.method(http::verb::get);
    request_.target(url.target);
    request_.version(11);
    request_.set(http::field::host, url.host_header);
    request_.set(http::field::user_agent, "veer-experiment-run");
    request_.keep_alive(true);
  }

  void start() { schedule(); }

  // Ends the schedule now (Ctrl-C): nothing more becomes due; what is due still runs.
  void stop_schedule() {
    end_ = std::min(end_, Clock::now());
    timer_.cancel();
  }
  bool scheduling_done() const { return scheduling_done_; }

  void release(std::shared_ptr<Connection> connection) {
    idle_.push_back(std::move(connection));
    dispatch();
  }

  void record_answer(Clock::time_point due, unsigned status) {
    const auto latency = Clock::now() - due;
    ++result_.requests;
    ++result_.answered;
    ++result_.status_classes[static_cast<int>(status / 100)];
    result_.latency.record(latency);
    const auto second = static_cast<std::size_t>(
        std::chrono::duration_cast<std::chrono::seconds>(due - start_).count());
    if (second_sums_.size() <= second) {
      second_sums_.resize(second + 1, 0);
      second_counts_.resize(second + 1, 0);
    }
    second_sums_[second] += std::chrono::duration<double, std::milli>(latency).count();
    ++second_counts_[second];
    if (status >= 500) note_error(ErrorKind::Http5xx, "HTTP " + std::to_string(status));
  }

  void record_error(ErrorKind kind, const std::string& message) {
    ++result_.requests;
    if (kind == ErrorKind::Timeout) result_.latency.record(options_.timeout);
    note_error(kind, message);
  }

  void finish() {
    for (std::size_t i = 0; i < second_sums_.size(); ++i)
      if (second_counts_[i] > 0)
        result_.second_mean_ms.push_back(second_sums_[i] / static_cast<double>(second_counts_[i]));
  }

  asio::io_context& io() { return io_; }
  const LoadOptions& options() const { return options_; }
  const tcp::resolver::results_type& endpoints() const { return endpoints_; }
  const http::request<http::empty_body>& request() const { return request_; }
  double max_lag_ms() const { return max_lag_ms_; }

 private:
  Clock::time_point due(std::uint64_t index) const {
    return start_ +
           std::chrono::duration_cast<Clock::duration>(period_ * static_cast<double>(index));
  }

  void schedule() {
    const auto now = Clock::now();
    while (due(next_) <= now && due(next_) < end_) backlog_.push_back(due(next_++));
    dispatch();
    if (due(next_) >= end_) {
      scheduling_done_ = true;
      return;
    }
    timer_.expires_at(due(next_));
    timer_.async_wait([this](beast::error_code) { schedule(); });
  }

  void dispatch();
  void note_error(ErrorKind kind, const std::string& message) {
    ++result_.errors[kind];
    if (result_.first_error.empty()) result_.first_error = message;
  }

  asio::io_context& io_;
  const LoadOptions& options_;
  UrlResult& result_;
  tcp::resolver::results_type endpoints_;
  http::request<http::empty_body> request_;
  asio::steady_timer timer_;
  Clock::time_point start_, end_;
  std::chrono::duration<double> period_;
  std::uint64_t next_ = 0;
  bool scheduling_done_ = false;
  std::deque<Clock::time_point> backlog_;
  std::vector<std::shared_ptr<Connection>> idle_;
  int opened_ = 0;
  double max_lag_ms_ = 0;
  std::vector<double> second_sums_;
  std::vector<std::uint64_t> second_counts_;
};

// One keep-alive connection: connects when it has to, sends one request at a time.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(UrlLoad& load) : load_(load), stream_(load.io()) {}

  void send(Clock::time_point due) {
    due_ = due;
    retried_ = false;
    stream_.expires_at(due + load_.options().timeout);
    if (open_) {
      write(true);
    } else {
      connect();
    }
  }

 private:
  void connect() {
    stream_.async_connect(load_.endpoints(),
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            if (ec) return self->fail(ec, false);
                            self->open_ = true;
                            self->write(false);
                          });
  }

  void write(bool reused) {
    http::async_write(stream_, load_.request(),
                      [self = shared_from_this(), reused](beast::error_code ec, std::size_t) {
                        if (ec) return self->fail(ec, reused);
                        self->read(reused);
                      });
  }

  void read(bool reused) {
    parser_.emplace();
    parser_->body_limit(load_.options().max_response_bytes);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this(), reused](beast::error_code ec, std::size_t) {
                       if (ec) return self->fail(ec, reused);
                       const auto& response = self->parser_->get();
                       if (!response.keep_alive()) self->close();
                       self->load_.record_answer(self->due_, response.result_int());
                       self->load_.release(self);
                     });
  }

  void fail(beast::error_code ec, bool reused) {
    close();
    // A kept-alive connection the server closed while it was idle: one fresh try.
    const bool stale = ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                       ec == asio::error::broken_pipe || ec == asio::error::eof;
    if (reused && stale && !retried_) {
      retried_ = true;
      return connect();
    }
    const ErrorKind kind = ec == beast::error::timeout             ? ErrorKind::Timeout
                           : ec == asio::error::connection_refused ? ErrorKind::Refused
                                                                   : ErrorKind::Other;
    load_.record_error(kind, kind == ErrorKind::Timeout ? "timed out" : ec.message());
    load_.release(shared_from_this());
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    open_ = false;
  }

  UrlLoad& load_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Clock::time_point due_;
  bool open_ = false;
  bool retried_ = false;
};

void UrlLoad::dispatch() {
  while (!backlog_.empty()) {
    std::shared_ptr<Connection> connection;
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else if (opened_ < options_.connections) {
      connection = std::make_shared<Connection>(*this);
      ++opened_;
    } else {
      return;  // every connection is busy: the request waits, and its wait counts
    }
    const auto due = backlog_.front();
    backlog_.pop_front();
    const auto now = Clock::now();
    max_lag_ms_ =
        std::max(max_lag_ms_, std::chrono::duration<double, std::milli>(now - due).count());
    if (now >= due + options_.timeout) {
      record_error(ErrorKind::Timeout, "timed out waiting for a free connection");
      idle_.push_back(std::move(connection));
      continue;
    }
    connection->send(due);
  }
}

// Why nothing can be sent to `url`, or nothing; fills the endpoints when it can.
std::string prepare(const std::string& text, const LoadOptions& options, HttpUrl& url,
                    tcp::resolver& resolver, tcp::resolver::results_type& endpoints) {
  auto parsed = parse_http_url(text);
  if (!parsed) return "bad URL: " + parsed.error().message;
  url = *parsed;
  if (auto refusal = veer::http::refuse_url(options.policy, text)) return *refusal;
  beast::error_code ec;
  endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return "cannot resolve " + url.host + ": " + ec.message();
  for (const auto& entry : endpoints)
    if (auto refusal = veer::http::refuse_address(options.policy, *entry.endpoint().data()))
      return *refusal;
  return "";
}

}  // namespace

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Refused:
      return "refused";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::Http5xx:
      return "http-5xx";
    case ErrorKind::Other:
      break;
  }
  return "other";
}

std::uint64_t UrlResult::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [kind, count] : errors) total += count;
  return total;
}

LoadReport run_load(const LoadOptions& options) {
  LoadReport report;
  report.urls.resize(options.urls.size());
  asio::io_context io(1);
  tcp::resolver resolver(io);
  std::vector<HttpUrl> urls(options.urls.size());
  std::vector<tcp::resolver::results_type> endpoints(options.urls.size());
  for (std::size_t i = 0; i < options.urls.size(); ++i) {
    report.urls[i].url = options.urls[i];
    report.urls[i].setup_error = prepare(options.urls[i], options, urls[i], resolver, endpoints[i]);
  }
  if (options.qps <= 0 || options.connections < 1) return report;

  const double cpu_before = thread_cpu_seconds();
  const auto start = Clock::now() + std::chrono::milliseconds(10);
  std::vector<std::unique_ptr<UrlLoad>> loads;
  for (std::size_t i = 0; i < options.urls.size(); ++i) {
    if (!report.urls[i].setup_error.empty()) continue;
    loads.push_back(
        std::make_unique<UrlLoad>(io, options, report.urls[i], urls[i], endpoints[i], start));
    loads.back()->start();
  }
  // Ctrl-C: polled, so the handler that sets the flag stays async-signal-safe.
  asio::steady_timer poll(io);
  std::function<void()> watch = [&] {
    bool all_done = true;
    for (const auto& load : loads) all_done = all_done && load->scheduling_done();
    if (all_done) return;
    if (options.stop_requested && options.stop_requested()) {
      report.stopped_early = true;
      for (auto& load : loads) load->stop_schedule();
      return;
    }
    poll.expires_after(std::chrono::milliseconds(100));
    poll.async_wait([&](beast::error_code) { watch(); });
  };
  watch();
  io.run();
  report.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.cpu_seconds = thread_cpu_seconds() - cpu_before;
  for (auto& load : loads) {
    load->finish();
    report.max_lag_ms = std::max(report.max_lag_ms, load->max_lag_ms());
  }
  return report;
}

}  // namespace veer::loadgen
