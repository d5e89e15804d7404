// Service-level objectives for `veer experiment run`: "latency-p95<=300ms,error-rate<=0.1%",
// parsed, and judged on one URL's requests with exact binomial confidence bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "operator/loadgen/latency_histogram.hpp"

namespace veer::loadgen {

struct Slo {
  enum class Kind { ErrorRate, LatencyQuantile };
  Kind kind = Kind::ErrorRate;
  std::string text;     // as written, e.g. "latency-p95<=300ms"
  double quantile = 0;  // LatencyQuantile: 0.95 for p95
  double limit = 0;     // ErrorRate: a fraction (0.001 for 0.1%); LatencyQuantile: milliseconds
};

// Parses a comma-separated list of `error-rate<=R` (R a percentage "0.1%" or a fraction "0.001")
// and `latency-pQ<=D` (Q in (0, 100), e.g. p50, p99.9; D a duration "300ms", "1.5s", "800us").
// An error names the item and what is wrong with it.
base::Outcome<std::vector<Slo>> parse_slos(const std::string& text);

enum class SloVerdict { Pass, Fail, Inconclusive };
const char* to_string(SloVerdict verdict);

struct SloAssessment {
  SloVerdict verdict = SloVerdict::Inconclusive;
  double estimate = 0;               // the observed error rate, or the observed quantile (ms)
  std::optional<double> bound_low;   // one-sided lower confidence bound
  std::optional<double> bound_high;  // one-sided upper confidence bound
  std::uint64_t requests = 0;        // what the bounds rest on
  std::string reason;                // one line
};

// What one URL's run produced for the SLOs to judge.
struct UrlCounts {
  std::uint64_t requests = 0;  // requests that were due (sent, refused, timed out, ...)
  std::uint64_t errors = 0;
  const LatencyHistogram* latency = nullptr;  // answered requests and timeouts
};

// Pass when the bound on the "good" side proves the objective met at `confidence`, Fail when the
// bound on the other side proves it missed, Inconclusive otherwise (too few requests).
SloAssessment assess(const Slo& slo, const UrlCounts& counts, double confidence);

// Exact (Clopper-Pearson) one-sided bounds on a binomial rate, each at `confidence`.
double binomial_upper_bound(std::uint64_t events, std::uint64_t trials, double confidence);
double binomial_lower_bound(std::uint64_t events, std::uint64_t trials, double confidence);

// Distribution-free bounds on the q-quantile of n independent latencies by order statistics:
// the rank k whose k-th smallest value is >= the quantile with probability >= confidence
// (smallest such k), and the rank whose value is <= it with probability >= confidence (largest
// such k). Nothing when n is too small for such a rank to exist.
std::optional<std::uint64_t> quantile_upper_rank(std::uint64_t n, double q, double confidence);
std::optional<std::uint64_t> quantile_lower_rank(std::uint64_t n, double q, double confidence);
// The fewest requests for which quantile_upper_rank exists: ceil(log(1 - confidence) / log(q)).
std::uint64_t requests_to_bound_quantile(double q, double confidence);

}  // namespace veer::loadgen
