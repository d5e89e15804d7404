// An open-loop HTTP load generator: requests to each URL are due on a fixed clock (qps per URL),
// whatever the server does; a request waits for a free keep-alive connection when all of the
// URL's connections are busy, and its latency is counted from when it was due, so queueing shows
// in the latency (no coordinated omission). Plain http only. Boost.Beast stays in the .cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/outbound_policy.hpp"
#include "operator/loadgen/latency_histogram.hpp"

namespace veer::loadgen {

struct LoadOptions {
  std::vector<std::string> urls;
  double qps = 100;  // per URL
  std::chrono::milliseconds duration{30'000};
  int connections = 8;  // per URL, opened as needed and kept alive
  // The longest a request may take, counted from when it was due (queueing included).
  std::chrono::milliseconds timeout{2'000};
  std::size_t max_response_bytes = 8u << 20;
  http::OutboundPolicy policy;
  // Polled every 100 ms: true ends the schedule early (Ctrl-C); requests in flight finish.
  std::function<bool()> stop_requested;
};

enum class ErrorKind { Refused, Timeout, Http5xx, Other };
const char* to_string(ErrorKind kind);

struct UrlResult {
  std::string url;
  // Nothing was sent: a bad URL, a refused host or a name that does not resolve.
  std::string setup_error;
  std::uint64_t requests = 0;  // due requests, each answered or failed
  std::uint64_t answered = 0;  // with any HTTP status
  std::map<ErrorKind, std::uint64_t> errors;
  std::map<int, std::uint64_t> status_classes;  // 2 -> count of 2xx answers, ...
  std::string first_error;                      // the first failure's message, for people
  // Answers and timeouts (a timeout's latency is recorded as the timeout: it is at least that).
  LatencyHistogram latency;
  std::vector<double> second_mean_ms;  // mean latency of the answers due in each second of the run

  std::uint64_t error_count() const;
};

struct LoadReport {
  std::vector<UrlResult> urls;  // in the order given
  double elapsed_seconds = 0;   // from the first due request to the last answer
  double cpu_seconds = 0;       // user + system CPU the generator used during the run
  double max_lag_ms = 0;        // the latest a due request was handed to a connection
  bool stopped_early = false;
};

// Runs the load on the calling thread and returns when every due request is answered or failed.
LoadReport run_load(const LoadOptions& options);

}  // namespace veer::loadgen
