#include "analysis/stats/sequential_binomial.hpp"

#include <cmath>
#include <string>

namespace veer::analysis::stats {
namespace {

double canary_share(double ratio, double canary_total, double primary_total) {
  return canary_total * ratio / (canary_total * ratio + primary_total);
}

Outcome<double> ratio_ok_for(const SequentialState& state, const IntervalCounts& interval,
                             const SequentialOptions& options) {
  if (state.ratio_ok > 0) return state.ratio_ok;
  if (options.relative_margin) return 1.0 + *options.relative_margin;
  if (!options.absolute_margin || *options.absolute_margin == 0) return 1.0;
  // An absolute margin m becomes a ratio through the primary's rate p: (p + m) / p. It is fixed
  // from the primary's requests up to the first interval in which the primary has errors, so the
  // likelihood ratio stays one product of terms with the same hypotheses; those intervals only
  // calibrate (sequential_update adds none of them to the likelihood ratio).
  const auto errors = state.primary_errors + interval.primary_errors;
  const auto total = state.primary_total + interval.primary_total;
  if (errors == 0) return 0.0;
  const double rate = static_cast<double>(errors) / static_cast<double>(total);
  return (rate + *options.absolute_margin) / rate;
}

}  // namespace

Outcome<SequentialState> sequential_update(const SequentialState& state,
                                           const IntervalCounts& interval,
                                           const SequentialOptions& options) {
  if (interval.canary_errors > interval.canary_total ||
      interval.primary_errors > interval.primary_total) {
    return fail("sequential-binomial: more errors than requests in an interval (canary " +
                std::to_string(interval.canary_errors) + "/" +
                std::to_string(interval.canary_total) + ", primary " +
                std::to_string(interval.primary_errors) + "/" +
                std::to_string(interval.primary_total) + ")");
  }
  if (!(options.alpha > 0 && options.alpha < 0.5)) {
    return fail("sequential-binomial: alpha must be in (0, 0.5), got " +
                std::to_string(options.alpha));
  }
  if ((options.relative_margin && *options.relative_margin < 0) ||
      (options.absolute_margin && *options.absolute_margin < 0) || !(options.bad_factor > 1)) {
    return fail("sequential-binomial: the margin must be >= 0");
  }
  SequentialState next = state;
  next.looks += 1;
  next.canary_errors += interval.canary_errors;
  next.canary_total += interval.canary_total;
  next.primary_errors += interval.primary_errors;
  next.primary_total += interval.primary_total;
  auto ratio_ok = ratio_ok_for(state, interval, options);
  if (!ratio_ok) return Error{ratio_ok.error()};
  next.ratio_ok = *ratio_ok;
  const auto errors = interval.canary_errors + interval.primary_errors;
  // An interval without errors, without traffic on one side, or before an absolute margin can
  // be turned into a ratio carries no information about r. The interval whose primary errors
  // fix an absolute margin's ratio is not used again: a primary that happened to have few errors
  // there would both loosen r_ok and make the canary's share of the errors look large.
  const bool calibrates = state.ratio_ok == 0 && !options.relative_margin &&
                          options.absolute_margin && *options.absolute_margin != 0;
  if (next.ratio_ok == 0 || calibrates || errors == 0 || interval.canary_total == 0 ||
      interval.primary_total == 0) {
    return next;
  }
  const double nc = static_cast<double>(interval.canary_total);
  const double np = static_cast<double>(interval.primary_total);
  const double theta_ok = canary_share(next.ratio_ok, nc, np);
  const double theta_bad = canary_share(next.ratio_ok * options.bad_factor, nc, np);
  next.log_lr +=
      static_cast<double>(interval.canary_errors) * std::log(theta_bad / theta_ok) +
      static_cast<double>(interval.primary_errors) * std::log((1 - theta_bad) / (1 - theta_ok));
  return next;
}

SequentialDecision sequential_decision(const SequentialState& state,
                                       const SequentialOptions& options) {
  const double bound = std::log(1 / options.alpha);
  if (state.log_lr >= bound) return SequentialDecision::Fail;
  if (state.log_lr <= -bound) return SequentialDecision::Pass;
  return SequentialDecision::Continue;
}

double sequential_e_value(const SequentialState& state) {
  return std::exp(state.log_lr);
}

double sprt_expected_errors(double ratio_ok, double ratio_bad, double true_ratio,
                            double canary_share_of_requests, double alpha) {
  // One observation = one error; it is the canary's with probability θ(r).
  const double w = canary_share_of_requests;
  auto theta = [&](double r) { return w * r / (w * r + (1 - w)); };
  const double t0 = theta(ratio_ok), t1 = theta(ratio_bad), t = theta(true_ratio);
  const double drift = t * std::log(t1 / t0) + (1 - t) * std::log((1 - t1) / (1 - t0));
  const double a = std::log(1 / alpha);  // upper boundary (Fail)
  const double b = -a;                   // lower boundary (Pass)
  // Wald: E[N] = (P_fail·a + (1 − P_fail)·b) / drift, P_fail from the operating characteristic.
  // h solves E[(LR increment)^h] = 1: θ(t1/t0)^h + (1-θ)((1-t1)/(1-t0))^h = 1.
  double p_fail;
  if (std::fabs(drift) < 1e-12) {
    return a * a /
           (t * std::pow(std::log(t1 / t0), 2) +
            (1 - t) * std::pow(std::log((1 - t1) / (1 - t0)), 2));
  }
  auto g = [&](double h) {
    return t * std::pow(t1 / t0, h) + (1 - t) * std::pow((1 - t1) / (1 - t0), h) - 1;
  };
  // The non-zero root h has the opposite sign of the drift.
  double lo = drift > 0 ? -50.0 : 1e-9, hi = drift > 0 ? -1e-9 : 50.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    const bool same_sign_as_lo = (g(mid) > 0) == (g(lo) > 0);
    (same_sign_as_lo ? lo : hi) = mid;
  }
  const double h = (lo + hi) / 2;
  // P(reach a before b) = (1 - e^{h b}) / (e^{h a} - e^{h b}).
  p_fail = (1 - std::exp(h * b)) / (std::exp(h * a) - std::exp(h * b));
  return (p_fail * a + (1 - p_fail) * b) / drift;
}

}  // namespace veer::analysis::stats
