#include "operator/runtime/reconcile_sample.hpp"

namespace veer::runtime {

server::ReconcileSample sample_of(const controller::ReconcileReport& report) {
  using Sample = server::ReconcileSample;
  Sample sample;
  sample.ns = report.ns;
  sample.name = report.name;
  sample.target = report.target;
  sample.strategy = report.strategy;
  sample.status = report.phase == model::CanaryPhase::Progressing ? Sample::Status::Progressing
                  : report.phase == model::CanaryPhase::Failed    ? Sample::Status::Failed
                                                                  : Sample::Status::Other;
  sample.canary_weight = report.canary_weight;
  for (const auto& v : report.verdicts) {
    Sample::Verdict verdict{v.name, std::string(controller::rule_for(v.outcome).verdict), {}};
    const auto& evidence = v.evidence;
    if (evidence.is_object() && evidence.contains("value") && evidence["value"].is_number())
      verdict.value = evidence["value"].get<double>();
    sample.verdicts.push_back(std::move(verdict));
  }
  switch (report.run_end) {
    case controller::RunEnd::Succeeded:
      sample.run_end = Sample::RunEnd::Succeeded;
      break;
    case controller::RunEnd::Skipped:
      sample.run_end = Sample::RunEnd::Skipped;
      break;
    case controller::RunEnd::Failed:
      sample.run_end = Sample::RunEnd::Failed;
      break;
    case controller::RunEnd::None:
      break;
  }
  sample.failed = !report.error.empty();
  return sample;
}

}  // namespace veer::runtime
