// P(best): the posterior probability that each version has the best rate, with independent
// Beta(1 + events, 1 + non-events) posteriors (uniform priors). Shown in the status and used by the
// adaptive traffic strategies; the winner itself is decided by confidence sequences
// (assessment.hpp), because a posterior probability checked at every look is not error-controlled.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis::experiment {

struct PosteriorCounts {
  std::uint64_t events = 0;
  std::uint64_t trials = 0;
  bool live = true;  // a version that is cut off is never best (probability 0)
};

// P(version i is best) for each i, summing to 1 over live versions (all 0 when none is live).
// Numerical integration of pdf_i(x)·Π_j P(X_j < x) (or > x when lower is better) on a fine grid.
// Fails when Boost cannot place the grid (counts so large that a Beta quantile does not converge).
Outcome<std::vector<double>> probability_best(const std::vector<PosteriorCounts>& versions,
                                              bool higher_is_better);

// Thompson sampling for a batch of traffic: the share of `draws` posterior draws in which each
// live version is best. Deterministic for a given generator state.
std::vector<double> thompson_shares(const std::vector<PosteriorCounts>& versions,
                                    bool higher_is_better, int draws, std::mt19937_64& rng);

}  // namespace veer::analysis::experiment
