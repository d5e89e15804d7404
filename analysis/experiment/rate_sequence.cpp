#include "analysis/experiment/rate_sequence.hpp"

#include <cmath>

namespace veer::analysis::experiment {

namespace {

constexpr double kPriorA = 1;
constexpr double kPriorB = 1;

double log_beta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// The p in [from, to] where log M crosses `level`, given it is below at `from` and at or above
// at `to` (or the other way round): bisection, since log M is monotone on each side of its minimum.
double crossing(std::uint64_t s, std::uint64_t n, double level, double inside, double outside) {
  for (int i = 0; i < 200 && std::fabs(outside - inside) > 1e-15; ++i) {
    double mid = 0.5 * (inside + outside);
    if (rate_log_e_value(s, n, mid) < level)
      inside = mid;
    else
      outside = mid;
  }
  return 0.5 * (inside + outside);
}

}  // namespace

double rate_log_e_value(std::uint64_t events, std::uint64_t trials, double p) {
  double s = static_cast<double>(events);
  double f = static_cast<double>(trials - events);
  double log_likelihood = 0;
  if (s > 0) log_likelihood += s * std::log(p);
  if (f > 0) log_likelihood += f * std::log1p(-p);
  return log_beta(kPriorA + s, kPriorB + f) - log_beta(kPriorA, kPriorB) - log_likelihood;
}

RateInterval rate_confidence_sequence(std::uint64_t events, std::uint64_t trials, double alpha) {
  if (trials == 0) return {};
  if (events > trials) events = trials;
  double level = std::log(1 / alpha);
  double mle = static_cast<double>(events) / static_cast<double>(trials);
  RateInterval out;
  // At the MLE the mixture is at most the maximum likelihood: log M <= 0 < level. At p = 0 (with
  // events) or p = 1 (with non-events) log M is infinite.
  if (events > 0) out.low = crossing(events, trials, level, mle, 0);
  if (events < trials) out.high = crossing(events, trials, level, mle, 1);
  return out;
}

}  // namespace veer::analysis::experiment
