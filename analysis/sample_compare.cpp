#include "analysis/sample_compare.hpp"

#include <cmath>
#include <cstdio>

#include "analysis/comparison.hpp"
#include "analysis/stats/mann_whitney.hpp"

namespace veer::analysis {
namespace {

std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

// Mann-Whitney on so few values that no ordering of them is significant at alpha would always
// Pass: an answer that looks like evidence and is none.
std::string too_small_for_mann_whitney(const model::Comparison& comparison, std::size_t baseline,
                                       std::size_t candidate) {
  const double smallest = stats::smallest_mann_whitney_p(baseline, candidate);
  if (smallest < comparison.alpha) return {};
  return "mann-whitney cannot find the candidate worse with " + std::to_string(baseline) +
         " baseline and " + std::to_string(candidate) + " candidate values at alpha " +
         short_number(comparison.alpha) +
         ": the smallest one-sided p-value so few values allow is " + short_number(smallest) +
         "; give more values";
}

Outcome<CheckResult> compare_numbers(const model::Comparison& comparison, SampleInput baseline,
                                     SampleInput candidate, const SampleLimits& limits) {
  auto b = read_numbers(baseline.in, baseline.name, limits);
  if (!b) return Error{b.error()};
  auto c = read_numbers(candidate.in, candidate.name, limits);
  if (!c) return Error{c.error()};
  if (comparison.test == model::ComparisonTest::MannWhitney) {
    if (auto why = too_small_for_mann_whitney(comparison, b->size(), c->size()); !why.empty())
      return fail(why);
  }
  return compare_samples(comparison, *c, *b);
}

Outcome<CheckResult> compare_count_files(const model::Comparison& comparison, SampleInput baseline,
                                         SampleInput candidate, const SampleLimits& limits) {
  auto b = read_counts(baseline.in, baseline.name, limits);
  if (!b) return Error{b.error()};
  auto c = read_counts(candidate.in, candidate.name, limits);
  if (!c) return Error{c.error()};
  // read_counts bounds each file's total, so these sums cannot overflow.
  if (comparison.test == model::ComparisonTest::BayesBinomial) {
    stats::Counts cs, bs;
    for (const auto& x : *c) cs = {cs.errors + x.errors, cs.total + x.total};
    for (const auto& x : *b) bs = {bs.errors + x.errors, bs.total + x.total};
    return compare_counts(comparison, cs, bs);
  }
  // sequential-binomial: line i of each file is interval i.
  if (c->size() != b->size()) {
    return fail("sequential-binomial needs one line per interval in both files: " + candidate.name +
                " has " + std::to_string(c->size()) + ", " + baseline.name + " has " +
                std::to_string(b->size()));
  }
  std::vector<stats::IntervalCounts> intervals;
  for (std::size_t i = 0; i < c->size(); ++i)
    intervals.push_back({(*c)[i].errors, (*c)[i].total, (*b)[i].errors, (*b)[i].total});
  stats::SequentialState state;
  return compare_sequential(comparison, state, intervals);
}

}  // namespace

Outcome<CheckResult> compare_sample_files(const model::Comparison& comparison, SampleInput baseline,
                                          SampleInput candidate, const SampleLimits& limits) {
  if (comparison.binomial()) return compare_count_files(comparison, baseline, candidate, limits);
  return compare_numbers(comparison, baseline, candidate, limits);
}

}  // namespace veer::analysis
