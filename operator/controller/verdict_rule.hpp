// The one rule from a metric verdict to what the rollout does (docs/analysis.md, "Verdicts and
// what the controller does"). `decide` acts on it, `veer analyze` derives its exit codes from it
// and the docs state it: a change here changes all three.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "analysis/verdict.hpp"

namespace veer::controller {

// A metric's verdict as the controller sees it (the worst of its checks).
enum class MetricOutcome { Pass, Fail, Inconclusive, NoData };

enum class StepAction {
  Advance,      // the step goes on (next weight, iteration or promotion)
  FailedCheck,  // failedChecks + 1; rollback at analysis.threshold
  Hold,         // stay at the weight, no failed check; bounded by maxHold
  HoldNoData,   // hold, and count one look toward maxNoData as well
};

struct VerdictRule {
  MetricOutcome outcome;
  std::string_view verdict;  // as written in the status: pass, fail, inconclusive, no-data
  StepAction action;
  int analyze_exit_code;  // `veer analyze`: 0 advance, 1 roll back, 2 hold
};

const std::array<VerdictRule, 4>& verdict_rules();
const VerdictRule& rule_for(MetricOutcome outcome);

MetricOutcome outcome_of(analysis::Verdict verdict);

// Several metrics: the worst decides, Fail > NoData > Inconclusive > Pass. A failed metric is
// evidence against the canary and is never hidden by another metric's missing data.
MetricOutcome worst_of(const std::vector<MetricOutcome>& outcomes);

}  // namespace veer::controller
