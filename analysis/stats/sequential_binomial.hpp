// veer's anytime-valid sequential test for error counts (canary vs primary).
//
// In each interval, given the total number of errors e = x + y (x canary, y primary), the canary's
// share x is Binomial(e, θ) with θ = n_c·r / (n_c·r + n_p), where r = p_canary / p_primary and
// n_c, n_p are the requests of each side in that interval. Conditioning removes the unknown
// primary rate, and it allows the traffic split to change from one interval to the next.
//
// The test is Wald's SPRT on these conditional likelihoods, between r_ok = 1 + margin ("no worse
// than allowed") and r_bad = 2·r_ok ("twice as bad as allowed"). The likelihood ratio is a test
// martingale under every r <= r_ok, so by Ville's inequality P(it ever reaches 1/α) <= α however
// often one looks: Fail when it does. Symmetrically, Pass ("proven no worse than allowed") when it
// falls to α, an error of at most α when r >= r_bad.
//
// The state is a few numbers, so a controller can store it in an object's status and resume.
#pragma once

#include <cstdint>
#include <optional>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

struct SequentialOptions {
  double alpha = 0.05;                    // error bound for Fail and for Pass
  std::optional<double> relative_margin;  // allowed worsening, relative (0.1 = 10%)
  std::optional<double> absolute_margin;  // allowed worsening, in errors per request
  double bad_factor = 2.0;                // r_bad = bad_factor * r_ok
};

struct SequentialState {
  double ratio_ok = 0;  // r_ok, fixed once known (0: not yet; an absolute margin needs data)
  double log_lr = 0;    // log likelihood ratio of r_bad against r_ok so far
  std::uint64_t canary_errors = 0;
  std::uint64_t canary_total = 0;
  std::uint64_t primary_errors = 0;
  std::uint64_t primary_total = 0;
  std::uint64_t looks = 0;  // intervals added
};

enum class SequentialDecision { Continue, Fail, Pass };

struct IntervalCounts {
  std::uint64_t canary_errors = 0;
  std::uint64_t canary_total = 0;
  std::uint64_t primary_errors = 0;
  std::uint64_t primary_total = 0;
};

// Adds one interval's counts. Fails (and leaves the state alone) on impossible counts or options.
Outcome<SequentialState> sequential_update(const SequentialState& state,
                                           const IntervalCounts& interval,
                                           const SequentialOptions& options);

SequentialDecision sequential_decision(const SequentialState& state,
                                       const SequentialOptions& options);

// The e-value against "the canary is no worse than allowed" (exp(log_lr)).
double sequential_e_value(const SequentialState& state);

// Wald's approximate expected number of errors (pooled over both sides) the SPRT needs when the
// true ratio is r, for a constant canary share w of the traffic. Used by the benchmark.
double sprt_expected_errors(double ratio_ok, double ratio_bad, double true_ratio,
                            double canary_share, double alpha);

}  // namespace veer::analysis::stats
