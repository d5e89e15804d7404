// A Prometheus stand-in with counter semantics, for bench/decisions: per-pod request counters
// (all responses and 5xx) scraped at a fixed interval, and the two query shapes the built-in
// request-success-rate sends for istio: `sum(increase(c{sel}[d]))` (optionally `or vector(0)`,
// evaluated at an explicit time) and `sum(rate(c{ok}[d])) / sum(rate(c{all}[d])) * 100`.
// `increase` and `rate` extrapolate as Prometheus does (extrapolatedRate in promql/functions.go):
// a counter that goes down was reset and its new value is all new; the sampled span is
// extended to the window's edges when the gap is under 1.1 average sample intervals, and never
// past the point where the counter would have been zero.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/providers/metrics_source.hpp"

namespace veer::bench {

struct Sample {
  double t = 0;  // unix seconds
  double v = 0;
};

// One counter series' samples; `increase` over (end - range, end].
std::optional<double> increase(const std::vector<Sample>& samples, double end, double range);

// Series are named "<workload>/<pod>/<5xx|ok>".
class SimulatedPrometheus final : public analysis::MetricsSource {
 public:
  void scrape(const std::string& series, double t, double value) {
    series_[series].push_back({t, value});
  }
  // The series of `workload` (a new revision's pods are new series).
  void drop(const std::string& workload);
  void set_down(bool down) { down_ = down; }
  void set_now(double t) { now_ = t; }
  std::size_t queries() const { return queries_; }

  base::Outcome<double> instant(const std::string& query,
                                std::optional<double> at_unix_seconds) override;
  base::Outcome<std::vector<double>> range(const std::string& query, double, double,
                                           double) override {
    return base::fail("the simulated Prometheus answers instant queries only: " + query);
  }

 private:
  // sum(increase(...)) of one `counter{selector}[range]` term at `at`; nothing: no series.
  base::Outcome<std::optional<double>> sum_increase(const std::string& term, double at);

  std::map<std::string, std::vector<Sample>> series_;
  bool down_ = false;
  double now_ = 0;
  std::size_t queries_ = 0;
};

}  // namespace veer::bench
