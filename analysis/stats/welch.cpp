#include "analysis/stats/welch.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <boost/math/distributions/students_t.hpp>

#include "analysis/stats/math_guard.hpp"

namespace veer::analysis::stats {
namespace {

struct Moments {
  double mean = 0;
  double variance = 0;  // unbiased (n - 1)
};

// Two-pass mean and variance: stable for values far from zero (latencies in ns, say).
Moments moments(const std::vector<double>& sample) {
  Moments m;
  for (double v : sample) m.mean += v;
  m.mean /= static_cast<double>(sample.size());
  for (double v : sample) m.variance += (v - m.mean) * (v - m.mean);
  m.variance /= static_cast<double>(sample.size() - 1);
  return m;
}

}  // namespace

Outcome<WelchResult> welch(const std::vector<double>& candidate,
                           const std::vector<double>& baseline, double shift, double confidence) {
  if (candidate.size() < 2 || baseline.size() < 2) {
    return fail("welch needs at least two values in each sample (candidate " +
                std::to_string(candidate.size()) + ", baseline " + std::to_string(baseline.size()) +
                ")");
  }
  for (const auto* sample : {&candidate, &baseline}) {
    for (double v : *sample) {
      if (!std::isfinite(v)) return fail("welch: a sample holds a NaN or infinite value");
    }
  }
  const Moments c = moments(candidate);
  const Moments b = moments(baseline);
  const double nc = static_cast<double>(candidate.size());
  const double nb = static_cast<double>(baseline.size());
  const double vc = c.variance / nc;
  const double vb = b.variance / nb;
  // Sums near the largest double overflow: no finite test exists (and NaN is not "constant").
  if (!std::isfinite(vc) || !std::isfinite(vb))
    return fail("welch: the values are too large to compare (their variance overflows)");
  if (!(vc + vb > 0)) return fail("welch: both samples are constant, so there is no variance");

  WelchResult out;
  out.n_candidate = candidate.size();
  out.n_baseline = baseline.size();
  out.mean_candidate = c.mean;
  out.mean_baseline = b.mean;
  out.difference = c.mean - b.mean;
  out.standard_error = std::sqrt(vc + vb);
  // Welch-Satterthwaite, on variances scaled to at most 1 (the ratio does not change, and the
  // squares of large variances would overflow).
  const double scale = std::max(vc, vb);
  const double sc = vc / scale, sb = vb / scale;
  out.degrees_of_freedom = (sc + sb) * (sc + sb) / (sc * sc / (nc - 1) + sb * sb / (nb - 1));
  out.t = (out.difference - shift) / out.standard_error;
  // Values near the largest double overflow the sums: no finite test exists, and Student's t
  // would throw on the NaN degrees of freedom (found by fuzzing `veer stats compare`).
  if (!std::isfinite(out.difference) || !std::isfinite(out.standard_error) ||
      !std::isfinite(out.t) || !(out.degrees_of_freedom > 0) ||
      !std::isfinite(out.degrees_of_freedom))
    return fail("welch: the values are too large to compare (their variance overflows)");

  // Student's t on extreme degrees of freedom can still fail inside Boost (its quantile's
  // Newton iteration did not converge for some, found by fuzzing): an error, never a throw.
  return guard_math({"welch", two_samples(candidate.size(), baseline.size())}, [&] {
    using boost::math::cdf;
    using boost::math::complement;
    const boost::math::students_t dist(out.degrees_of_freedom);
    out.p_two_sided = std::min(1.0, 2 * finite(cdf(complement(dist, std::fabs(out.t))), "p"));
    out.p_greater = finite(cdf(complement(dist, out.t)), "p (greater)");
    out.p_less = finite(cdf(dist, out.t), "p (less)");
    const double q =
        finite(boost::math::quantile(complement(dist, (1 - confidence) / 2)), "t quantile");
    out.ci_low = finite(out.difference - q * out.standard_error, "the interval's low end");
    out.ci_high = finite(out.difference + q * out.standard_error, "the interval's high end");
    return out;
  });
}

}  // namespace veer::analysis::stats
