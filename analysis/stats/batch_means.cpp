#include "analysis/stats/batch_means.hpp"

#include <algorithm>
#include <cmath>

namespace veer::analysis::stats {

double lag1_autocorrelation(const std::vector<double>& points) {
  const std::size_t n = points.size();
  if (n < 3) return 0;
  double mean = 0;
  for (double v : points) mean += v;
  mean /= static_cast<double>(n);
  double variance = 0, covariance = 0;
  for (std::size_t i = 0; i < n; ++i) {
    variance += (points[i] - mean) * (points[i] - mean);
    if (i > 0) covariance += (points[i] - mean) * (points[i - 1] - mean);
  }
  return variance > 0 ? covariance / variance : 0;
}

double neighbour_batch_correlation(double rho, std::size_t size) {
  if (rho <= 0) return 0;
  if (rho >= 1) return 1;
  const double m = static_cast<double>(size);
  const double rho_m = std::pow(rho, m);
  // Sums of rho^|i-j| over pairs in neighbouring batches, and within one batch.
  const double across = rho * (1 - rho_m) * (1 - rho_m) / ((1 - rho) * (1 - rho));
  const double within = m * (1 + rho) / (1 - rho) - 2 * rho * (1 - rho_m) / ((1 - rho) * (1 - rho));
  return across / within;
}

std::size_t batch_size_for(const std::vector<double>& points, double max_correlation) {
  const std::size_t n = points.size();
  const double rho = lag1_autocorrelation(points);
  if (n < 4 || rho <= 2 / std::sqrt(static_cast<double>(n))) return 1;
  const std::size_t largest = n / 2;
  std::size_t size = 1;
  while (size < largest && neighbour_batch_correlation(rho, size) > max_correlation) ++size;
  return size;
}

std::vector<double> batch_means(const std::vector<double>& points, std::size_t size) {
  if (size <= 1) return points;
  std::vector<double> out;
  const std::size_t skip = points.size() % size;
  for (std::size_t at = skip; at + size <= points.size(); at += size) {
    double sum = 0;
    for (std::size_t i = at; i < at + size; ++i) sum += points[i];
    out.push_back(sum / static_cast<double>(size));
  }
  return out;
}

}  // namespace veer::analysis::stats
