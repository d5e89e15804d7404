// The traffic-split guard's statistic (sample-ratio mismatch): is the canary's share of requests
// the weight veer wrote? An anytime-valid test, so it can run at every look.
//
// Within a segment of constant weight w the canary's requests are Binomial(n, θ). The null is a
// band around w, |θ − w| <= max(floor, tolerance·min(w, 1 − w)): routers round weights and
// counters are extrapolated, so a slightly off share is not a mismatch. The e-value of a segment
// is the Beta(1, 1) mixture likelihood over θ divided by the largest likelihood inside the band;
// it is at most the mixture's likelihood ratio against the true θ0 in the band, a test
// martingale, so by Ville's inequality it ever reaches 1/alpha with probability at most alpha.
// When the weight changes a new segment starts and the finished one's e-value is kept as a
// factor: the product is again a test martingale. `mismatch` is whether the e-value is at or
// above 1/alpha after the latest look: a look that was biased by something other than the
// router (counts estimated across a scrape gap) is outweighed by the looks after it, while a
// router that ignores the weight keeps it there. The look at which the current mismatch began
// is kept (`fired_*`), so the evidence says which look and e-value fired.
//
// Assumes requests are routed independently of each other (per-request weighted routing).
#pragma once

#include <cstdint>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

struct SampleRatioOptions {
  double alpha = 0.001;
  double tolerance = 0.2;  // relative to min(w, 1 - w)
  double floor = 0.01;     // the band is at least ±1 percentage point
};

struct SampleRatioState {
  double log_e_closed = 0;   // log e-value of the finished segments
  double weight = -1;        // expected canary share of the open segment (0..1); -1: none yet
  std::uint64_t canary = 0;  // requests of the open segment
  std::uint64_t total = 0;
  std::uint64_t looks = 0;
  bool mismatch = false;  // the e-value is at or above 1/alpha after the latest look
  // The look at which the current (or last) mismatch began: 0 when it never fired.
  std::uint64_t fired_look = 0;
  double fired_log_e = 0;
  double fired_weight = 0;
  std::uint64_t fired_canary = 0;  // the open segment's requests then
  std::uint64_t fired_total = 0;
};

// Adds one look: `canary` and `primary` requests while the canary weight was `expected_share`.
// Fails (leaving the state alone) on a share outside (0, 1).
Outcome<SampleRatioState> sample_ratio_update(const SampleRatioState& state, double expected_share,
                                              std::uint64_t canary, std::uint64_t primary,
                                              const SampleRatioOptions& options = {});

double sample_ratio_log_e(const SampleRatioState& state, const SampleRatioOptions& options = {});

}  // namespace veer::analysis::stats
