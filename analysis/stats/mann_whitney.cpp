#include "analysis/stats/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <boost/math/distributions/normal.hpp>

#include "analysis/stats/math_guard.hpp"

namespace veer::analysis::stats {
namespace {

struct RankSum {
  double u = 0;      // U of the first sample
  double sigma = 0;  // standard deviation of U under H0, tie-corrected
};

// U of `first - offset` against `second`, with mid-ranks for ties.
RankSum rank_sum(const std::vector<double>& first, const std::vector<double>& second,
                 double offset) {
  struct Item {
    double value;
    bool first;
  };
  std::vector<Item> items;
  items.reserve(first.size() + second.size());
  for (double v : first) items.push_back({v - offset, true});
  for (double v : second) items.push_back({v, false});
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.value < b.value; });
  const double n1 = static_cast<double>(first.size());
  const double n2 = static_cast<double>(second.size());
  const double n = n1 + n2;
  double rank_sum_first = 0;
  double tie_term = 0;
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    while (j < items.size() && items[j].value == items[i].value) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    for (std::size_t k = i; k < j; ++k) {
      if (items[k].first) rank_sum_first += mid_rank;
    }
    i = j;
  }
  RankSum out;
  out.u = rank_sum_first - n1 * (n1 + 1) / 2.0;
  out.sigma = std::sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))));
  return out;
}

double sign(double v) {
  return (v > 0) - (v < 0);
}

// R's `wdiff`: the standardised statistic of candidate - d against baseline, minus zq. It does not
// increase with d, and jumps only where d equals a pairwise difference.
double standardized(const std::vector<double>& candidate, const std::vector<double>& baseline,
                    double d, double zq, bool correct) {
  const RankSum rs = rank_sum(candidate, baseline, d);
  const double centred = rs.u - static_cast<double>(candidate.size() * baseline.size()) / 2.0;
  const double correction = correct ? sign(centred) * 0.5 : 0.0;
  return (centred - correction) / rs.sigma - zq;
}

// Where f (non-increasing on [lo, hi]) crosses zero; the middle of the zero set if it is flat
// at zero. Clamped to the ends as R does.
template <class F>
double crossing(F f, double lo, double hi) {
  if (!(lo < hi)) return lo;
  if (f(lo) <= 0) return lo;
  if (f(hi) >= 0) return hi;
  auto bisect = [&](bool zero_goes_low) {
    double a = lo, b = hi;  // f(a) > 0 (or >= 0), f(b) < 0 (or <= 0)
    for (int i = 0; i < 200 && b - a > 1e-14 * std::max({1.0, std::fabs(a), std::fabs(b)}); ++i) {
      const double mid = a + (b - a) / 2;
      const double v = f(mid);
      if (v > 0 || (v == 0 && !zero_goes_low)) {
        a = mid;
      } else {
        b = mid;
      }
    }
    return a + (b - a) / 2;
  };
  return (bisect(true) + bisect(false)) / 2;
}

}  // namespace

Outcome<MannWhitneyResult> mann_whitney(const std::vector<double>& candidate,
                                        const std::vector<double>& baseline, double shift,
                                        double confidence) {
  if (candidate.empty() || baseline.empty()) {
    return fail("mann-whitney needs at least one value in each sample (candidate " +
                std::to_string(candidate.size()) + ", baseline " + std::to_string(baseline.size()) +
                ")");
  }
  for (const auto* sample : {&candidate, &baseline}) {
    for (double v : *sample) {
      if (!std::isfinite(v)) return fail("mann-whitney: a sample holds a NaN or infinite value");
    }
  }
  const RankSum rs = rank_sum(candidate, baseline, shift);
  if (!(rs.sigma > 0)) {
    return fail("mann-whitney: every value is tied, so there is no variation to test");
  }
  return guard_math({"mann-whitney", two_samples(candidate.size(), baseline.size())}, [&] {
    const boost::math::normal normal;
    using boost::math::cdf;
    using boost::math::complement;
    const double n1n2 = static_cast<double>(candidate.size() * baseline.size());
    const double centred = rs.u - n1n2 / 2.0;

    MannWhitneyResult out;
    out.u_candidate = rs.u;
    out.n_candidate = candidate.size();
    out.n_baseline = baseline.size();
    const double z = (centred - sign(centred) * 0.5) / rs.sigma;
    out.p_two_sided = std::min(1.0, 2 * std::min(cdf(normal, z), cdf(complement(normal, z))));
    out.p_greater = cdf(complement(normal, (centred - 0.5) / rs.sigma));
    out.p_less = cdf(normal, (centred + 0.5) / rs.sigma);

    const auto [cmin, cmax] = std::minmax_element(candidate.begin(), candidate.end());
    const auto [bmin, bmax] = std::minmax_element(baseline.begin(), baseline.end());
    // Differences of values near the largest double overflow: no interval exists.
    const double lo = finite(*cmin - *bmax, "the smallest difference");
    const double hi = finite(*cmax - *bmin, "the largest difference");
    const double zq = boost::math::quantile(complement(normal, (1 - confidence) / 2));
    out.ci_low =
        crossing([&](double d) { return standardized(candidate, baseline, d, zq, true); }, lo, hi);
    out.ci_high =
        crossing([&](double d) { return standardized(candidate, baseline, d, -zq, true); }, lo, hi);
    out.hodges_lehmann =
        crossing([&](double d) { return standardized(candidate, baseline, d, 0, false); }, lo, hi);
    return out;
  });
}

double smallest_mann_whitney_p(std::size_t m, std::size_t n) {
  const double x = static_cast<double>(m), y = static_cast<double>(n);
  return std::exp(std::lgamma(x + 1) + std::lgamma(y + 1) - std::lgamma(x + y + 1));
}

}  // namespace veer::analysis::stats
