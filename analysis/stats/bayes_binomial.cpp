#include "analysis/stats/bayes_binomial.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/tools/roots.hpp>

#include "analysis/stats/math_guard.hpp"

namespace veer::analysis::stats {
namespace {

boost::math::beta_distribution<double> posterior(Counts c) {
  return {1.0 + static_cast<double>(c.errors), 1.0 + static_cast<double>(c.total - c.errors)};
}

// ∫ f_base(y) g(y) dy over the baseline posterior, split at its quantiles so that each piece of
// a fixed Gauss-Legendre rule sees a smooth part of the (possibly very narrow) peak.
// `shift` is where g's argument y + shift leaves [0, 1]: g has kinks there, so they are cuts too.
template <class G>
double expect_over(const boost::math::beta_distribution<double>& base, double shift, G g) {
  static const double kTails[] = {1e-15,    1e-12,    1e-9,     1e-7,      1e-5,     1e-4,
                                  1e-3,     0.01,     0.05,     0.15,      0.3,      0.5,
                                  0.7,      0.85,     0.95,     0.99,      0.999,    1 - 1e-4,
                                  1 - 1e-5, 1 - 1e-7, 1 - 1e-9, 1 - 1e-12, 1 - 1e-15};
  std::vector<double> cuts{0.0};
  for (double q : kTails) cuts.push_back(boost::math::quantile(base, q));
  cuts.push_back(1.0);
  for (double kink : {-shift, 1 - shift}) {
    if (kink > 0 && kink < 1) cuts.push_back(kink);
  }
  std::sort(cuts.begin(), cuts.end());
  double sum = 0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (!(cuts[i + 1] > cuts[i])) continue;
    sum += boost::math::quadrature::gauss<double, 20>::integrate(
        [&](double y) { return boost::math::pdf(base, y) * g(y); }, cuts[i], cuts[i + 1]);
  }
  return sum;
}

// P(p_candidate - p_baseline <= d).
double difference_cdf(const boost::math::beta_distribution<double>& cand,
                      const boost::math::beta_distribution<double>& base, double d) {
  return expect_over(base, d, [&](double y) {
    const double x = y + d;
    if (x <= 0) return 0.0;
    if (x >= 1) return 1.0;
    return boost::math::cdf(cand, x);
  });
}

double difference_quantile(const boost::math::beta_distribution<double>& cand,
                           const boost::math::beta_distribution<double>& base, double p) {
  auto f = [&](double d) { return difference_cdf(cand, base, d) - p; };
  boost::math::tools::eps_tolerance<double> tolerance(34);
  std::uintmax_t iterations = 200;
  auto [a, b] = boost::math::tools::toms748_solve(f, -1.0, 1.0, -p, 1.0 - p, tolerance, iterations);
  return a + (b - a) / 2;
}

}  // namespace

Outcome<BayesBinomialResult> bayes_binomial(Counts candidate, Counts baseline, double margin,
                                            double confidence) {
  for (const auto& [name, c] :
       {std::pair{"candidate", candidate}, std::pair{"baseline", baseline}}) {
    if (c.errors > c.total) {
      return fail(std::string("bayes-binomial: the ") + name + " has more errors (" +
                  std::to_string(c.errors) + ") than requests (" + std::to_string(c.total) + ")");
    }
  }
  // Posteriors of billions of requests are very narrow: Boost's quantiles and the root finder
  // may fail to converge on them, which is an error, never a throw.
  return guard_math(
      {"bayes-binomial", two_samples(candidate.total, baseline.total, "requests")}, [&] {
        const auto cand = posterior(candidate);
        const auto base = posterior(baseline);
        BayesBinomialResult out;
        out.candidate = candidate;
        out.baseline = baseline;
        out.probability_worse =
            finite(expect_over(base, margin,
                               [&](double y) {
                                 const double x = y + margin;
                                 if (x <= 0) return 1.0;
                                 if (x >= 1) return 0.0;
                                 return boost::math::cdf(boost::math::complement(cand, x));
                               }),
                   "the probability worse");
        out.difference = boost::math::mean(cand) - boost::math::mean(base);
        out.ci_low =
            finite(difference_quantile(cand, base, (1 - confidence) / 2), "the interval's low end");
        out.ci_high = finite(difference_quantile(cand, base, (1 + confidence) / 2),
                             "the interval's high end");
        return out;
      });
}

}  // namespace veer::analysis::stats
