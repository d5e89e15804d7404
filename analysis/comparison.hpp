// Canary-vs-primary comparisons: runs the test a metric's `comparison` names and turns its result
// into a verdict with evidence. "Worse" follows the comparison's direction; margins are absolute
// or relative to the primary's value.
#pragma once

#include <vector>

#include "analysis/stats/bayes_binomial.hpp"
#include "analysis/stats/sequential_binomial.hpp"
#include "analysis/verdict.hpp"
#include "model/canary.hpp"

namespace veer::analysis {

const char* test_name(model::ComparisonTest test);

// mann-whitney and welch: two samples of the metric (e.g. from range queries).
CheckResult compare_samples(const model::Comparison& comparison,
                            const std::vector<double>& candidate,
                            const std::vector<double>& baseline);

// bayes-binomial: error and request counts of the whole window.
CheckResult compare_counts(const model::Comparison& comparison, stats::Counts candidate,
                           stats::Counts baseline);

// sequential-binomial: adds the new intervals to `state` (the few numbers the Canary status
// carries between looks) and decides.
CheckResult compare_sequential(const model::Comparison& comparison, stats::SequentialState& state,
                               const std::vector<stats::IntervalCounts>& intervals);

stats::SequentialOptions sequential_options(const model::Comparison& comparison);

}  // namespace veer::analysis
