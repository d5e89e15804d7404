#include "operator/controller/verdict_rule.hpp"

#include <algorithm>

namespace veer::controller {

const std::array<VerdictRule, 4>& verdict_rules() {
  static const std::array<VerdictRule, 4> rules{{
      {MetricOutcome::Pass, "pass", StepAction::Advance, 0},
      {MetricOutcome::Fail, "fail", StepAction::FailedCheck, 1},
      {MetricOutcome::Inconclusive, "inconclusive", StepAction::Hold, 2},
      {MetricOutcome::NoData, "no-data", StepAction::HoldNoData, 2},
  }};
  return rules;
}

const VerdictRule& rule_for(MetricOutcome outcome) {
  const auto& rules = verdict_rules();
  return *std::find_if(rules.begin(), rules.end(),
                       [&](const VerdictRule& r) { return r.outcome == outcome; });
}

MetricOutcome outcome_of(analysis::Verdict verdict) {
  switch (verdict) {
    case analysis::Verdict::Pass:
      return MetricOutcome::Pass;
    case analysis::Verdict::Fail:
      return MetricOutcome::Fail;
    case analysis::Verdict::Inconclusive:
      return MetricOutcome::Inconclusive;
    case analysis::Verdict::NoData:
      return MetricOutcome::NoData;
  }
  return MetricOutcome::NoData;
}

namespace {
analysis::Verdict verdict_of(MetricOutcome outcome) {
  switch (outcome) {
    case MetricOutcome::Pass:
      return analysis::Verdict::Pass;
    case MetricOutcome::Fail:
      return analysis::Verdict::Fail;
    case MetricOutcome::Inconclusive:
      return analysis::Verdict::Inconclusive;
    case MetricOutcome::NoData:
      return analysis::Verdict::NoData;
  }
  return analysis::Verdict::NoData;
}
}  // namespace

// The ranking is analysis::worst's, so a metric's checks and a step's metrics rank alike.
MetricOutcome worst_of(const std::vector<MetricOutcome>& outcomes) {
  std::vector<analysis::Verdict> verdicts;
  verdicts.reserve(outcomes.size());
  for (auto o : outcomes) verdicts.push_back(verdict_of(o));
  return outcome_of(analysis::worst(verdicts));
}

}  // namespace veer::controller
