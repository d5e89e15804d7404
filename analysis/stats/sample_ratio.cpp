#include "analysis/stats/sample_ratio.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace veer::analysis::stats {
namespace {

double log_likelihood(double theta, double x, double n) {
  double l = 0;
  if (x > 0) l += x * std::log(theta);
  if (n - x > 0) l += (n - x) * std::log1p(-theta);
  return l;
}

// log of the segment's e-value: Beta(1, 1) mixture over the best null in the band.
double segment_log_e(double w, std::uint64_t canary, std::uint64_t total,
                     const SampleRatioOptions& options) {
  if (total == 0 || w <= 0 || w >= 1) return 0;
  const double x = static_cast<double>(canary);
  const double n = static_cast<double>(total);
  const double half = std::max(options.floor, options.tolerance * std::min(w, 1 - w));
  const double lo = std::max(w - half, 1e-12);
  const double hi = std::min(w + half, 1 - 1e-12);
  const double mixture = std::lgamma(x + 1) + std::lgamma(n - x + 1) - std::lgamma(n + 2);
  const double best_null = log_likelihood(std::clamp(x / n, lo, hi), x, n);
  return mixture - best_null;
}

}  // namespace

Outcome<SampleRatioState> sample_ratio_update(const SampleRatioState& state, double expected_share,
                                              std::uint64_t canary, std::uint64_t primary,
                                              const SampleRatioOptions& options) {
  if (!(expected_share > 0 && expected_share < 1))
    return fail("traffic split: the expected canary share must be in (0, 1), got " +
                std::to_string(expected_share));
  if (!(options.alpha > 0 && options.alpha < 1))
    return fail("traffic split: alpha must be in (0, 1)");
  SampleRatioState next = state;
  if (next.weight != expected_share) {
    next.log_e_closed += segment_log_e(next.weight, next.canary, next.total, options);
    next.weight = expected_share;
    next.canary = 0;
    next.total = 0;
  }
  next.canary += canary;
  next.total += canary + primary;
  next.looks += 1;
  const double log_e = sample_ratio_log_e(next, options);
  next.mismatch = log_e >= std::log(1 / options.alpha);
  if (next.mismatch && !state.mismatch) {
    next.fired_look = next.looks;
    next.fired_log_e = log_e;
    next.fired_weight = next.weight;
    next.fired_canary = next.canary;
    next.fired_total = next.total;
  }
  return next;
}

double sample_ratio_log_e(const SampleRatioState& state, const SampleRatioOptions& options) {
  return state.log_e_closed + segment_log_e(state.weight, state.canary, state.total, options);
}

}  // namespace veer::analysis::stats
