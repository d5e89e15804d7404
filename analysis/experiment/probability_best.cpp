#include "analysis/experiment/probability_best.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/beta.hpp>

#include "analysis/stats/math_guard.hpp"

namespace veer::analysis::experiment {

namespace {

constexpr int kGrid = 2001;      // points of the integration grid (odd: Simpson's rule)
constexpr double kTail = 1e-10;  // posterior mass left outside the grid, per side and version

struct Posterior {
  double a;
  double b;
};

Posterior posterior(const PosteriorCounts& c) {
  auto events = std::min(c.events, c.trials);
  return {1.0 + static_cast<double>(events), 1.0 + static_cast<double>(c.trials - events)};
}

double log_pdf(const Posterior& p, double x, double log_norm) {
  double out = -log_norm;
  if (p.a != 1) out += (p.a - 1) * std::log(x);
  if (p.b != 1) out += (p.b - 1) * std::log1p(-x);
  return out;
}

}  // namespace

Outcome<std::vector<double>> probability_best(const std::vector<PosteriorCounts>& versions,
                                              bool higher_is_better) {
  std::vector<double> out(versions.size(), 0.0);
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < versions.size(); ++i)
    if (versions[i].live) live.push_back(i);
  if (live.empty()) return out;
  if (live.size() == 1) {
    out[live[0]] = 1;
    return out;
  }
  // The grid spans every live posterior but its outermost 1e-10 tails.
  double lo = 1;
  double hi = 0;
  std::vector<Posterior> post;
  // Beta quantiles of posteriors with counts near 2^64 may fail inside Boost: an error.
  std::uint64_t trials = 0;
  for (auto i : live) trials = std::max(trials, versions[i].trials);
  auto bounds = stats::guard_math(
      {"probability-best",
       std::to_string(live.size()) + " versions of up to " + std::to_string(trials) + " trials"},
      [&] {
        for (auto i : live) {
          auto p = posterior(versions[i]);
          post.push_back(p);
          boost::math::beta_distribution<double> d(p.a, p.b);
          lo = std::min(lo, stats::finite(boost::math::quantile(d, kTail), "the lower grid end"));
          hi = std::max(hi, stats::finite(boost::math::quantile(boost::math::complement(d, kTail)),
                                          "the upper grid end"));
        }
        return true;
      });
  if (!bounds) return Error{bounds.error()};
  double h = (hi - lo) / (kGrid - 1);
  // Densities on the grid, and each version's CDF by cumulative trapezoids (mass below lo ~ 0).
  std::vector<std::vector<double>> pdf(live.size(), std::vector<double>(kGrid));
  std::vector<std::vector<double>> cdf(live.size(), std::vector<double>(kGrid));
  for (std::size_t k = 0; k < live.size(); ++k) {
    double log_norm =
        std::lgamma(post[k].a) + std::lgamma(post[k].b) - std::lgamma(post[k].a + post[k].b);
    for (int g = 0; g < kGrid; ++g) {
      double x = std::clamp(lo + h * g, 0.0, 1.0);
      double v = std::exp(log_pdf(post[k], x, log_norm));
      pdf[k][g] = std::isfinite(v) ? v : 0.0;
    }
    double sum = 0;
    cdf[k][0] = 0;
    for (int g = 1; g < kGrid; ++g) {
      sum += 0.5 * h * (pdf[k][g - 1] + pdf[k][g]);
      cdf[k][g] = sum;
    }
    for (auto& c : cdf[k]) c = std::min(1.0, c / sum);  // the grid holds all but ~2e-10
  }
  double total = 0;
  for (std::size_t k = 0; k < live.size(); ++k) {
    double integral = 0;
    for (int g = 0; g < kGrid; ++g) {
      double f = pdf[k][g];
      for (std::size_t j = 0; j < live.size() && f > 0; ++j)
        if (j != k) f *= higher_is_better ? cdf[j][g] : 1 - cdf[j][g];
      double simpson = (g == 0 || g == kGrid - 1) ? 1 : (g % 2 ? 4 : 2);
      integral += simpson * f;
    }
    out[live[k]] = integral * h / 3;
    total += out[live[k]];
  }
  if (total > 0)
    for (auto i : live) out[i] /= total;
  return out;
}

std::vector<double> thompson_shares(const std::vector<PosteriorCounts>& versions,
                                    bool higher_is_better, int draws, std::mt19937_64& rng) {
  std::vector<double> out(versions.size(), 0.0);
  std::vector<std::gamma_distribution<double>> ga;
  std::vector<std::gamma_distribution<double>> gb;
  for (const auto& v : versions) {
    auto p = posterior(v);
    ga.emplace_back(p.a, 1.0);
    gb.emplace_back(p.b, 1.0);
  }
  int counted = 0;
  for (int d = 0; d < draws; ++d) {
    std::size_t best = versions.size();
    double best_value = 0;
    for (std::size_t i = 0; i < versions.size(); ++i) {
      if (!versions[i].live) continue;
      double x = ga[i](rng);
      double y = gb[i](rng);
      double sample = x / (x + y);  // a Beta(a, b) draw
      if (best == versions.size() ||
          (higher_is_better ? sample > best_value : sample < best_value)) {
        best = i;
        best_value = sample;
      }
    }
    if (best == versions.size()) break;
    out[best] += 1;
    ++counted;
  }
  for (auto& o : out) o = counted ? o / counted : 0.0;
  return out;
}

}  // namespace veer::analysis::experiment
