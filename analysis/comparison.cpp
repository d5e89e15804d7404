#include "analysis/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <boost/math/distributions/normal.hpp>

#include "analysis/stats/mann_whitney.hpp"
#include "analysis/stats/math_guard.hpp"
#include "analysis/stats/welch.hpp"

namespace veer::analysis {
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// The allowed worsening, in the metric's unit.
double absolute_margin(const model::Comparison& comparison, double baseline_value) {
  if (comparison.relative_margin) return *comparison.relative_margin * std::fabs(baseline_value);
  return comparison.margin.value_or(0.0);
}

std::string format(double v) {
  std::ostringstream out;
  out.precision(4);
  out << v;
  return out.str();
}

CheckResult no_data(const char* test, std::string message) {
  CheckResult out;
  out.verdict = Verdict::NoData;
  out.evidence.test = test;
  out.evidence.message = std::move(message);
  return out;
}

bool below_min_samples(const model::Comparison& comparison, double n_candidate, double n_baseline) {
  const double min = static_cast<double>(comparison.min_samples);
  return n_candidate < min || n_baseline < min;
}

}  // namespace

const char* test_name(model::ComparisonTest test) {
  switch (test) {
    case model::ComparisonTest::SequentialBinomial:
      return "sequential-binomial";
    case model::ComparisonTest::BayesBinomial:
      return "bayes-binomial";
    case model::ComparisonTest::MannWhitney:
      return "mann-whitney";
    case model::ComparisonTest::Welch:
      return "welch";
  }
  return "unknown";
}

CheckResult compare_samples(const model::Comparison& comparison,
                            const std::vector<double>& candidate,
                            const std::vector<double>& baseline) {
  const char* test = test_name(comparison.test);
  const bool mann_whitney = comparison.test == model::ComparisonTest::MannWhitney;
  if (!mann_whitney && comparison.test != model::ComparisonTest::Welch) {
    return no_data(test, std::string(test) + " compares counts, not samples");
  }
  if (candidate.empty() || baseline.empty()) {
    return no_data(test, "no samples (candidate " + std::to_string(candidate.size()) +
                             ", primary " + std::to_string(baseline.size()) + ")");
  }
  const bool higher_is_better = comparison.direction == model::Direction::HigherIsBetter;
  const double baseline_value = mann_whitney ? median(baseline) : mean(baseline);
  const double margin = absolute_margin(comparison, baseline_value);
  // Worse means a shift above +margin (lower is better) or below -margin (higher is better).
  const double shift = higher_is_better ? -margin : margin;

  CheckResult out;
  Evidence& e = out.evidence;
  e.test = test;
  e.margin = margin;
  e.confidence = comparison.confidence;
  e.baseline_value = baseline_value;
  e.value = mann_whitney ? median(candidate) : mean(candidate);
  // Both tests fill the same evidence: statistic, p-values both ways, estimate and interval.
  auto fill = [&](const auto& r, double statistic, double estimate) {
    e.statistic = statistic;
    e.p_value = r.p_two_sided;
    e.p_value_worse = higher_is_better ? r.p_less : r.p_greater;
    e.estimate = estimate;
    e.ci_low = r.ci_low;
    e.ci_high = r.ci_high;
  };
  if (mann_whitney) {
    auto r = stats::mann_whitney(candidate, baseline, shift, comparison.confidence);
    if (!r) return no_data(test, r.error().message);
    fill(*r, r->u_candidate, r->hodges_lehmann);
  } else {
    auto r = stats::welch(candidate, baseline, shift, comparison.confidence);
    if (!r) return no_data(test, r.error().message);
    fill(*r, r->t, r->difference);
  }
  e.n_candidate = static_cast<double>(candidate.size());
  e.n_baseline = static_cast<double>(baseline.size());
  const std::string what = mann_whitney ? "shift" : "difference of means";
  const std::string limit = std::string(higher_is_better ? "-" : "+") + format(margin);
  if (below_min_samples(comparison, *e.n_candidate, *e.n_baseline)) {
    out.verdict = Verdict::Inconclusive;
    e.message = "fewer than minSamples=" + std::to_string(comparison.min_samples) + " values";
  } else if (const double smallest =
                 stats::smallest_mann_whitney_p(baseline.size(), candidate.size());
             mann_whitney && smallest >= comparison.alpha) {
    // A Pass would claim evidence the test could never have seen: with so few values even a
    // canary wholly worse than the primary gives p >= alpha.
    out.verdict = Verdict::Inconclusive;
    e.message = "too few values for mann-whitney at alpha " + format(comparison.alpha) + " (" +
                std::to_string(candidate.size()) + " canary, " + std::to_string(baseline.size()) +
                " primary: the smallest p-value possible is " + format(smallest) + ")";
  } else if (*e.p_value_worse < comparison.alpha) {
    out.verdict = Verdict::Fail;
    e.message = "canary is worse: " + what + " " + format(*e.estimate) + " beyond " + limit +
                " (one-sided p=" + format(*e.p_value_worse) + " < alpha " +
                format(comparison.alpha) + ")";
  } else {
    out.verdict = Verdict::Pass;
    e.message = "no evidence the canary is worse than " + limit + ": " + what + " " +
                format(*e.estimate) + " (one-sided p=" + format(*e.p_value_worse) + ")";
  }
  return out;
}

CheckResult compare_counts(const model::Comparison& comparison, stats::Counts candidate,
                           stats::Counts baseline) {
  const char* test = "bayes-binomial";
  if (candidate.total == 0 || baseline.total == 0) {
    return no_data(test, "no requests (candidate " + std::to_string(candidate.total) +
                             ", primary " + std::to_string(baseline.total) + ")");
  }
  const double baseline_rate =
      static_cast<double>(baseline.errors) / static_cast<double>(baseline.total);
  const double margin = absolute_margin(comparison, baseline_rate);
  auto r = stats::bayes_binomial(candidate, baseline, margin, comparison.confidence);
  if (!r) return no_data(test, r.error().message);
  CheckResult out;
  Evidence& e = out.evidence;
  e.test = test;
  e.margin = margin;
  e.confidence = comparison.confidence;
  e.statistic = r->probability_worse;
  e.probability_worse = r->probability_worse;
  e.estimate = r->difference;
  e.ci_low = r->ci_low;
  e.ci_high = r->ci_high;
  e.value = static_cast<double>(candidate.errors) / static_cast<double>(candidate.total);
  e.baseline_value = baseline_rate;
  e.n_candidate = static_cast<double>(candidate.total);
  e.n_baseline = static_cast<double>(baseline.total);
  if (below_min_samples(comparison, *e.n_candidate, *e.n_baseline)) {
    out.verdict = Verdict::Inconclusive;
    e.message = "fewer than minSamples=" + std::to_string(comparison.min_samples) + " requests";
  } else if (r->probability_worse >= 1 - comparison.alpha) {
    out.verdict = Verdict::Fail;
    e.message = "canary error rate is worse by more than " + format(margin) + " with probability " +
                format(r->probability_worse);
  } else {
    out.verdict = Verdict::Pass;
    e.message = "probability the canary is worse by more than " + format(margin) + " is " +
                format(r->probability_worse) + " (< " + format(1 - comparison.alpha) + ")";
  }
  return out;
}

stats::SequentialOptions sequential_options(const model::Comparison& comparison) {
  stats::SequentialOptions options;
  options.alpha = comparison.alpha;
  options.relative_margin = comparison.relative_margin;
  options.absolute_margin = comparison.margin;
  return options;
}

CheckResult compare_sequential(const model::Comparison& comparison, stats::SequentialState& state,
                               const std::vector<stats::IntervalCounts>& intervals) {
  const char* test = "sequential-binomial";
  const auto options = sequential_options(comparison);
  stats::SequentialState next = state;
  for (const auto& interval : intervals) {
    auto updated = stats::sequential_update(next, interval, options);
    if (!updated) return no_data(test, updated.error().message);
    next = *updated;
  }
  state = next;
  if (next.canary_total == 0 || next.primary_total == 0) {
    return no_data(test, "no requests (candidate " + std::to_string(next.canary_total) +
                             ", primary " + std::to_string(next.primary_total) + ")");
  }
  CheckResult out;
  Evidence& e = out.evidence;
  e.test = test;
  e.confidence = comparison.confidence;
  const double nc = static_cast<double>(next.canary_total);
  const double np = static_cast<double>(next.primary_total);
  const double pc = static_cast<double>(next.canary_errors) / nc;
  const double pp = static_cast<double>(next.primary_errors) / np;
  e.value = pc;
  e.baseline_value = pp;
  e.n_candidate = nc;
  e.n_baseline = np;
  e.statistic = next.log_lr;
  e.e_value = stats::sequential_e_value(next);
  e.estimate = pc - pp;
  // A fixed-sample (Wald) interval of the difference, for display; the decision uses the e-value.
  auto z_of = stats::guard_math(
      {test, stats::two_samples(next.canary_total, next.primary_total, "requests")}, [&] {
        return boost::math::quantile(
            boost::math::complement(boost::math::normal(), (1 - comparison.confidence) / 2));
      });
  if (!z_of) return no_data(test, z_of.error().message);
  const double z = *z_of;
  const double se = std::sqrt(pc * (1 - pc) / nc + pp * (1 - pp) / np);
  e.ci_low = *e.estimate - z * se;
  e.ci_high = *e.estimate + z * se;
  if (next.ratio_ok > 0) e.margin = (next.ratio_ok - 1) * pp;
  const double bound = 1 / comparison.alpha;
  switch (stats::sequential_decision(next, options)) {
    case stats::SequentialDecision::Fail:
      out.verdict = Verdict::Fail;
      e.message = "canary error rate " + format(pc) + " vs primary " + format(pp) + ": e-value " +
                  format(*e.e_value) + " >= " + format(bound);
      break;
    case stats::SequentialDecision::Pass:
      out.verdict = Verdict::Pass;
      e.message = "canary proven no worse than allowed: e-value against 'twice as bad' " +
                  format(1 / *e.e_value) + " >= " + format(bound);
      break;
    case stats::SequentialDecision::Continue:
      out.verdict = Verdict::Inconclusive;
      e.message = "keep observing: e-value " + format(*e.e_value) + " between " +
                  format(1 / bound) + " and " + format(bound);
      break;
  }
  if (below_min_samples(comparison, nc, np)) {
    out.verdict = Verdict::Inconclusive;
    e.message = "fewer than minSamples=" + std::to_string(comparison.min_samples) + " requests; " +
                e.message;
  }
  return out;
}

}  // namespace veer::analysis
