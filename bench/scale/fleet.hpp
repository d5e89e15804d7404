// What the runtime benches share (runtime_bench.cpp, process_bench.cpp): fleet names, an
// all-pass metrics stand-in with an optional latency, no alerts, and the arithmetic of results.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "operator/controller/canary_reconciler.hpp"

namespace veer::bench {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename T>
T quantile(std::vector<T> values, double q) {
  if (values.empty()) return T{};
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

inline std::string fleet_name(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "app-%05d", i);
  return buffer;
}

// Passes every metric after `latency` (a Prometheus that takes that long); counts the analyses.
class PassingMetrics final : public controller::MetricsChecker {
 public:
  explicit PassingMetrics(std::chrono::milliseconds latency = {}) : latency_(latency) {}
  controller::AnalysisResult analyze(const model::Canary& canary) override {
    if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
    ++calls;
    controller::AnalysisResult result;
    for (const auto& metric : canary.spec.analysis->metrics)
      result.metrics.push_back({metric.name,
                                controller::MetricOutcome::Pass,
                                "99.9% >= 99%",
                                {{"test", "threshold"}, {"value", 99.9}}});
    return result;
  }
  std::atomic<long> calls{0};

 private:
  std::chrono::milliseconds latency_;
};

class NoAlerts final : public controller::AlertSink {
 public:
  void send(const model::Canary&, const controller::Alert&) override {}
};

// Creates, updates, patches and deletes among API requests counted by verb.
inline long writes_of(const std::map<std::string, std::size_t>& counts) {
  long n = 0;
  for (const char* verb : {"create", "update", "patch", "delete"})
    n += counts.count(verb) ? static_cast<long>(counts.at(verb)) : 0;
  return n;
}

}  // namespace veer::bench
