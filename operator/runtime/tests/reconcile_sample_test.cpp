// The controller's report reaches the operator's series whole: phase, weight, verdicts with
// their values, the end of a run and a failed pass.
#include <doctest/doctest.h>

#include "operator/runtime/reconcile_sample.hpp"

using veer::controller::MetricOutcome;
using veer::controller::ReconcileReport;
using veer::controller::RunEnd;
using veer::runtime::sample_of;
using Sample = veer::server::ReconcileSample;

TEST_CASE("a reconcile report becomes the sample the operator's series read") {
  ReconcileReport report;
  report.ns = "shop";
  report.name = "podinfo";
  report.target = "podinfo-app";
  report.strategy = "ab-testing";
  report.phase = veer::model::CanaryPhase::Progressing;
  report.canary_weight = 30;
  report.verdicts = {{"request-success-rate", MetricOutcome::Pass, "", {{"value", 99.5}}},
                     {"latency", MetricOutcome::Fail, "too slow", {{"value", "n/a"}}}};
  auto sample = sample_of(report);
  CHECK(sample.ns == "shop");
  CHECK(sample.name == "podinfo");
  CHECK(sample.target == "podinfo-app");
  CHECK(sample.strategy == "ab-testing");
  CHECK(sample.status == Sample::Status::Progressing);
  CHECK(sample.canary_weight == 30);
  REQUIRE(sample.verdicts.size() == 2);
  CHECK(sample.verdicts[0].metric == "request-success-rate");
  CHECK(sample.verdicts[0].verdict == "pass");
  CHECK(sample.verdicts[0].value == 99.5);
  CHECK(sample.verdicts[1].verdict == "fail");
  CHECK_FALSE(sample.verdicts[1].value.has_value());  // not a number: no value, no guess
  CHECK(sample.run_end == Sample::RunEnd::None);
  CHECK_FALSE(sample.failed);

  report.phase = veer::model::CanaryPhase::Failed;
  report.run_end = RunEnd::Failed;
  report.error = "cannot write the status";
  sample = sample_of(report);
  CHECK(sample.status == Sample::Status::Failed);
  CHECK(sample.run_end == Sample::RunEnd::Failed);
  CHECK(sample.failed);

  report.phase = veer::model::CanaryPhase::Succeeded;
  report.run_end = RunEnd::Skipped;
  CHECK(sample_of(report).status == Sample::Status::Other);
  CHECK(sample_of(report).run_end == Sample::RunEnd::Skipped);
}
