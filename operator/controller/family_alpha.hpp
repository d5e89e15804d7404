// Several metrics, one error budget (docs/analysis.md "Several metrics"): the comparison tests
// of a Canary share each metric's alpha by Bonferroni, so the chance that any of them rolls back
// a canary that is no worse stays at most alpha. Thresholds are rules, not tests: unchanged.
#pragma once

#include "model/canary.hpp"

namespace veer::controller {

// How many metrics of the analysis run a comparison test.
int comparison_family(const model::Analysis& analysis);

// The metric as it is tested: its comparison's alpha divided by the family size.
model::CanaryMetric at_family_alpha(const model::CanaryMetric& metric, int family);

}  // namespace veer::controller
