// Batch means: the samples of a numeric comparison are consecutive, non-overlapping buckets of
// one series, and neighbouring buckets are still correlated (load and latency drift). Averaging
// runs of consecutive points until the means of neighbouring runs are nearly uncorrelated lets
// Mann-Whitney and Welch treat them as independent samples.
#pragma once

#include <cstddef>
#include <vector>

namespace veer::analysis::stats {

// The lag-1 autocorrelation of a series (0 for fewer than 3 points or no variance).
double lag1_autocorrelation(const std::vector<double>& points);

// The correlation of the means of two neighbouring batches of `size` points of an AR(1) series
// whose lag-1 autocorrelation is `rho`.
double neighbour_batch_correlation(double rho, std::size_t size);

// The smallest batch size whose neighbouring means correlate by at most `max_correlation`
// (1 when the lag-1 autocorrelation is not significantly positive, i.e. <= 2/sqrt(n)), but never
// fewer than two batches.
std::size_t batch_size_for(const std::vector<double>& points, double max_correlation = 0.1);

// Means of consecutive batches of `size` points; the oldest points that do not fill a batch are
// left out, so every mean covers the same length of time.
std::vector<double> batch_means(const std::vector<double>& points, std::size_t size);

}  // namespace veer::analysis::stats
