// Runs veer's load generator (operator/loadgen) against one URL and prints what it cost, as one
// JSON object: the numbers bench/loadgen/run turns into bench/loadgen/results.md.
// Usage: loadgen_bench URL QPS SECONDS CONNECTIONS
#include <cstdio>
#include <cstdlib>
#include <string>

#include "operator/loadgen/load_generator.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: loadgen_bench URL QPS SECONDS CONNECTIONS\n");
    return 64;
  }
  veer::loadgen::LoadOptions options;
  options.urls = {argv[1]};
  options.qps = std::atof(argv[2]);
  options.duration = std::chrono::milliseconds(static_cast<long>(std::atof(argv[3]) * 1000));
  options.connections = std::atoi(argv[4]);
  const auto report = veer::loadgen::run_load(options);
  const auto& url = report.urls.front();
  if (!url.setup_error.empty()) {
    std::fprintf(stderr, "loadgen_bench: %s\n", url.setup_error.c_str());
    return 1;
  }
  const double n = static_cast<double>(url.requests);
  std::printf(
      "{\"requests\": %llu, \"errors\": %llu, \"elapsed_seconds\": %.3f, \"cpu_seconds\": %.4f, "
      "\"cpu_per_request_us\": %.2f, \"max_lag_ms\": %.3f, \"p50_ms\": %.4f, \"p90_ms\": %.4f, "
      "\"p99_ms\": %.4f, \"max_ms\": %.4f}\n",
      static_cast<unsigned long long>(url.requests),
      static_cast<unsigned long long>(url.error_count()), report.elapsed_seconds,
      report.cpu_seconds, n > 0 ? report.cpu_seconds * 1e6 / n : 0.0, report.max_lag_ms,
      url.latency.quantile_ms(0.5), url.latency.quantile_ms(0.9), url.latency.quantile_ms(0.99),
      url.latency.max_ms());
  return 0;
}
