// Batch means: the arithmetic, and that they keep a numeric test's false-failure rate near
// alpha on dependent buckets where treating the raw points as independent does not.
#include <cmath>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "analysis/stats/batch_means.hpp"
#include "analysis/stats/mann_whitney.hpp"
#include "analysis/stats/welch.hpp"

namespace stats = veer::analysis::stats;

namespace {

// An AR(1) series: x[t] = rho·x[t-1] + noise, around `mean`.
std::vector<double> ar1(std::mt19937_64& rng, std::size_t n, double rho, double mean) {
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> out;
  double x = noise(rng) / std::sqrt(1 - rho * rho);  // start in the stationary distribution
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(mean + x);
    x = rho * x + noise(rng);
  }
  return out;
}

}  // namespace

TEST_CASE("batch means: sizes, leftovers and the neighbour correlation") {
  CHECK(stats::batch_means({1, 2, 3, 4, 5, 6, 7}, 3) == std::vector<double>{3, 6});  // oldest out
  CHECK(stats::batch_means({1, 2, 3}, 1) == std::vector<double>{1, 2, 3});
  CHECK(stats::neighbour_batch_correlation(0.5, 1) == doctest::Approx(0.5));
  CHECK(stats::neighbour_batch_correlation(0, 4) == 0);
  CHECK(stats::neighbour_batch_correlation(0.5, 8) < 0.1);
  CHECK(stats::neighbour_batch_correlation(0.5, 7) > 0.1);
  CHECK(stats::lag1_autocorrelation({1, 2, 3, 4, 5, 6, 7, 8}) > 0.5);
  CHECK(stats::lag1_autocorrelation({1, -1, 1, -1, 1, -1}) < 0);
  CHECK(stats::batch_size_for({1, -1, 1, -1, 1, -1, 1, -1}) == 1);  // no positive dependence
  // A trend never leaves fewer than two batches.
  std::vector<double> trend;
  for (int i = 0; i < 30; ++i) trend.push_back(i);
  CHECK(stats::batch_size_for(trend) == 15);
}

TEST_CASE("on dependent buckets, batch means keep false failures near alpha") {
  // Canary and primary from the same AR(1) process (rho 0.5, like rates over buckets with a
  // shared drift): no difference, so every Fail is a false one.
  std::mt19937_64 rng(20261126);
  const int runs = 400;
  const double alpha = 0.05;
  int raw_welch = 0, batched_welch = 0, raw_mw = 0, batched_mw = 0;
  std::size_t sizes = 0;
  for (int run = 0; run < runs; ++run) {
    auto canary = ar1(rng, 160, 0.5, 100);
    auto primary = ar1(rng, 160, 0.5, 100);
    auto worse = [&](const std::vector<double>& c, const std::vector<double>& p, bool welch) {
      if (welch) return stats::welch(c, p, 0, 0.95)->p_greater < alpha;
      return stats::mann_whitney(c, p, 0, 0.95)->p_greater < alpha;
    };
    raw_welch += worse(canary, primary, true);
    raw_mw += worse(canary, primary, false);
    const auto size = std::max(stats::batch_size_for(canary), stats::batch_size_for(primary));
    sizes += size;
    const auto c = stats::batch_means(canary, size), p = stats::batch_means(primary, size);
    batched_welch += worse(c, p, true);
    batched_mw += worse(c, p, false);
  }
  const double n = runs;
  INFO("raw welch " << raw_welch / n << ", batched " << batched_welch / n << "; raw mann-whitney "
                    << raw_mw / n << ", batched " << batched_mw / n << "; mean batch size "
                    << static_cast<double>(sizes) / n);
  CHECK(raw_welch / n > 0.12);  // independence assumed: far above alpha
  CHECK(raw_mw / n > 0.12);
  CHECK(batched_welch / n < 0.09);
  CHECK(batched_mw / n < 0.09);
}
