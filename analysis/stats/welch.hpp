// Welch's two-sample t-test (unequal variances), as scipy's `ttest_ind(candidate, baseline,
// equal_var=False)`, with the confidence interval of the difference of means.
#pragma once

#include <cstddef>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

struct WelchResult {
  double t = 0;                   // (mean candidate - mean baseline - shift) / standard error
  double degrees_of_freedom = 0;  // Welch-Satterthwaite
  double p_two_sided = 1;         // H0: difference of means == shift
  double p_greater = 1;           // H1: the difference is greater than shift
  double p_less = 1;
  double difference = 0;  // mean candidate - mean baseline
  double standard_error = 0;
  double ci_low = 0;  // confidence interval of the difference
  double ci_high = 0;
  double mean_candidate = 0;
  double mean_baseline = 0;
  std::size_t n_candidate = 0;
  std::size_t n_baseline = 0;
};

// Fails with fewer than two values in a sample or when both samples have zero variance.
Outcome<WelchResult> welch(const std::vector<double>& candidate,
                           const std::vector<double>& baseline, double shift = 0,
                           double confidence = 0.95);

}  // namespace veer::analysis::stats
