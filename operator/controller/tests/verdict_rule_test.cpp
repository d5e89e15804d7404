// The verdict-to-action rule, the look windows and the "evidence so far" text: pure pieces the
// controller, the metrics checker and `veer analyze` share.
#include <doctest/doctest.h>

#include "operator/controller/evidence_so_far.hpp"
#include "operator/controller/look_window.hpp"
#include "operator/controller/verdict_rule.hpp"

using namespace veer::controller;
using veer::analysis::Verdict;
using veer::analysis::stats::SequentialState;

TEST_CASE("the verdict rule: pass advances, fail counts, inconclusive and no-data hold") {
  CHECK(rule_for(MetricOutcome::Pass).action == StepAction::Advance);
  CHECK(rule_for(MetricOutcome::Fail).action == StepAction::FailedCheck);
  CHECK(rule_for(MetricOutcome::Inconclusive).action == StepAction::Hold);
  CHECK(rule_for(MetricOutcome::NoData).action == StepAction::HoldNoData);
  // veer analyze: 0 advance, 1 roll back, 2 hold.
  CHECK(rule_for(MetricOutcome::Pass).analyze_exit_code == 0);
  CHECK(rule_for(MetricOutcome::Fail).analyze_exit_code == 1);
  CHECK(rule_for(MetricOutcome::Inconclusive).analyze_exit_code == 2);
  CHECK(rule_for(MetricOutcome::NoData).analyze_exit_code == 2);
  CHECK(rule_for(MetricOutcome::Inconclusive).verdict == "inconclusive");
  CHECK(rule_for(MetricOutcome::NoData).verdict == "no-data");
  // An undecided sequential test is Inconclusive: it never counts as a pass.
  CHECK(outcome_of(Verdict::Inconclusive) == MetricOutcome::Inconclusive);
  CHECK(outcome_of(Verdict::NoData) == MetricOutcome::NoData);
}

TEST_CASE("several metrics: the worst decides, and missing data never hides a failure") {
  using O = MetricOutcome;
  CHECK(worst_of({}) == O::Pass);
  CHECK(worst_of({O::Pass, O::Inconclusive}) == O::Inconclusive);
  CHECK(worst_of({O::Inconclusive, O::NoData, O::Pass}) == O::NoData);
  CHECK(worst_of({O::NoData, O::Fail}) == O::Fail);
}

TEST_CASE("the step's metrics rank as a metric's checks do (analysis::worst)") {
  using O = MetricOutcome;
  const std::vector<O> all{O::Pass, O::Fail, O::Inconclusive, O::NoData};
  const std::vector<Verdict> verdicts{Verdict::Pass, Verdict::Fail, Verdict::Inconclusive,
                                      Verdict::NoData};
  for (std::size_t a = 0; a < all.size(); ++a) {
    for (std::size_t b = 0; b < all.size(); ++b) {
      CHECK(worst_of({all[a], all[b]}) ==
            outcome_of(veer::analysis::worst(std::vector<Verdict>{verdicts[a], verdicts[b]})));
    }
  }
  CHECK(veer::analysis::worst(std::vector<Verdict>{}) == Verdict::Pass);
}

TEST_CASE("look windows: contiguous across looks, restarts and late reconciles") {
  using std::chrono::minutes;
  // First look: the metric's interval ending now.
  CHECK(look_window(std::nullopt, 1000, minutes(1)) == Window{940, 1000});
  // Next look starts where the previous ended, even when the reconcile is late.
  CHECK(look_window(1000.0, 1060, minutes(1)) == Window{1000, 1060});
  CHECK(look_window(1060.0, 1250, minutes(5)) == Window{1060, 1250});
  // A restart reads the previous end from the status: the same window as without it.
  nlohmann::json evidence = {{"metrics",
                              {{{"name", "request-success-rate"},
                                {"evidence", {{"window", to_json(Window{1000, 1060})}}}}}}};
  CHECK(previous_look_end(evidence, "request-success-rate") == 1060.0);
  CHECK(look_window(previous_look_end(evidence, "request-success-rate"), 1120, minutes(1)) ==
        Window{1060, 1120});
  // No previous look of that metric (a new run, a new metric): first-look window.
  CHECK_FALSE(previous_look_end(evidence, "latency").has_value());
  CHECK_FALSE(previous_look_end(nlohmann::json::object(), "request-success-rate").has_value());
  // After an outage: the previous look had no data, so this window spans the gap.
  CHECK_FALSE(previous_look_had_no_data(evidence, "request-success-rate"));
  nlohmann::json outage = {
      {"metrics", {{{"name", "request-success-rate"}, {"verdict", "no-data"}, {"evidence", {}}}}}};
  CHECK(previous_look_had_no_data(outage, "request-success-rate"));
  CHECK_FALSE(previous_look_had_no_data(outage, "latency"));
  // Nothing new to count: a second look at the same instant, or a clock that went back.
  CHECK_FALSE(look_window(1060.0, 1060, minutes(1)).has_value());
  CHECK_FALSE(look_window(1060.0, 1000, minutes(1)).has_value());
}

TEST_CASE("evidence so far: e-value, counts and the time to a decision at the current traffic") {
  SequentialState before;
  before.canary_errors = 4;
  before.primary_errors = 36;
  before.log_lr = 0.5;
  SequentialState after = before;
  after.canary_errors = 6;
  after.canary_total = 1200;
  after.primary_errors = 54;
  after.primary_total = 10800;
  after.log_lr = 0.75;  // 0.0125 per error, 20 errors per look: 0.25 per look
  after.looks = 3;
  // Distance to log(20) = 2.996 is 2.246: 9 more looks.
  CHECK(looks_to_decision(before, after, 0.05) == 9);
  const auto text =
      evidence_so_far("request-success-rate", before, after, 0.05, std::chrono::minutes(1));
  CHECK(text ==
        "request-success-rate: e-value 2.12 (rolls back at 20, promotes at 0.05); canary 6 "
        "errors in 1200 requests, primary 54 in 10800; about 9m0s to a decision at the current "
        "traffic");
  // Drifting towards "no worse": the lower boundary.
  after.log_lr = -0.75;
  CHECK(looks_to_decision(before, after, 0.05) == 9);
  // No errors in the last look: nothing to extrapolate from.
  CHECK_FALSE(looks_to_decision(after, after, 0.05).has_value());
}
