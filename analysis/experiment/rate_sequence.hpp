// A confidence sequence for one version's rate (events out of trials, e.g. conversions out of
// requests): an interval that contains the true rate at every look at once, with probability at
// least 1 - alpha, however often one looks and however the version's traffic was chosen.
//
// It is Robbins' beta-binomial mixture. For a fixed rate p, M_n(p) = B(a + s, b + f) / (B(a, b) ·
// p^s (1 - p)^f) (s events, f non-events after n trials, prior Beta(a, b) = Beta(1, 1)) is a
// nonnegative martingale with mean 1 in the version's own trial count, whatever decided how many
// trials it got, so by Ville's inequality P(ever M_n(p) >= 1/alpha) <= alpha. The sequence is
// {p : M_n(p) < 1/alpha}, an interval because log M_n is convex in p.
#pragma once

#include <cstdint>

namespace veer::analysis::experiment {

struct RateInterval {
  double low = 0;
  double high = 1;
};

// Fails never: events > trials is clamped by the caller (assessment checks counts first).
RateInterval rate_confidence_sequence(std::uint64_t events, std::uint64_t trials, double alpha);

// log M_n(p), the mixture e-value against "the rate is p" (exposed for the reference tests).
double rate_log_e_value(std::uint64_t events, std::uint64_t trials, double p);

}  // namespace veer::analysis::experiment
