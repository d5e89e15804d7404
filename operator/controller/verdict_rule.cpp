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
int severity(MetricOutcome o) {
  switch (o) {
    case MetricOutcome::Pass:
      return 0;
    case MetricOutcome::Inconclusive:
      return 1;
    case MetricOutcome::NoData:
      return 2;
    case MetricOutcome::Fail:
      return 3;
  }
  return 3;
}
}  // namespace

MetricOutcome worst_of(const std::vector<MetricOutcome>& outcomes) {
  MetricOutcome worst = MetricOutcome::Pass;
  for (auto o : outcomes) {
    if (severity(o) > severity(worst)) worst = o;
  }
  return worst;
}

}  // namespace veer::controller
