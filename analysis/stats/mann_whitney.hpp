// Mann-Whitney U test (normal approximation with tie and continuity corrections) and the
// Hodges-Lehmann shift with its confidence interval, computed as R's
// `wilcox.test(candidate, baseline, mu = shift, conf.int = TRUE, exact = FALSE, correct = TRUE)`.
#pragma once

#include <cstddef>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

struct MannWhitneyResult {
  double u_candidate = 0;  // U of the candidate sample (pairs where candidate - shift > baseline)
  double p_two_sided = 1;  // H0: location shift (candidate - baseline) == shift
  double p_greater = 1;    // H1: shift is greater (the candidate is larger)
  double p_less = 1;       // H1: shift is smaller
  double hodges_lehmann = 0;  // estimated shift candidate - baseline
  double ci_low = 0;          // confidence interval of the shift
  double ci_high = 0;
  std::size_t n_candidate = 0;
  std::size_t n_baseline = 0;
};

// Fails when a sample is empty or when every value is tied (no variance to test).
Outcome<MannWhitneyResult> mann_whitney(const std::vector<double>& candidate,
                                        const std::vector<double>& baseline, double shift = 0,
                                        double confidence = 0.95);

// The smallest one-sided p-value an exact Mann-Whitney test can give for samples of m and n
// values: 1 / C(m+n, m), when one sample lies wholly above the other. At or above alpha, the
// samples are too small for the test to ever find a difference.
double smallest_mann_whitney_p(std::size_t m, std::size_t n);

}  // namespace veer::analysis::stats
