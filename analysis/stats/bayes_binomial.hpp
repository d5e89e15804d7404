// Bayesian comparison of two error rates with independent Beta(1, 1) priors: the posterior
// probability that the candidate's rate exceeds the baseline's by more than a margin, the
// posterior mean difference and its equal-tailed credible interval.
#pragma once

#include <cstdint>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

struct Counts {
  std::uint64_t errors = 0;
  std::uint64_t total = 0;
};

struct BayesBinomialResult {
  double probability_worse = 0;  // P(p_candidate > p_baseline + margin | data)
  double difference = 0;         // posterior mean of p_candidate - p_baseline
  double ci_low = 0;             // equal-tailed credible interval of the difference
  double ci_high = 0;
  Counts candidate;
  Counts baseline;
};

// Fails when errors > total.
Outcome<BayesBinomialResult> bayes_binomial(Counts candidate, Counts baseline, double margin = 0,
                                            double confidence = 0.95);

}  // namespace veer::analysis::stats
