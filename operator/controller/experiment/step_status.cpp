#include "operator/controller/experiment/step_status.hpp"

#include "analysis/experiment/experiment_config.hpp"

namespace veer::controller::experiment {

namespace ax = analysis::experiment;

std::vector<model::VersionStatus> versions_after_step(
    const model::ExperimentSpec& spec, const ax::ExperimentStep& step,
    const std::vector<ax::VersionCounts>& counts) {
  std::vector<model::VersionStatus> out;
  for (const auto* version : spec.versions()) {
    model::VersionStatus v;
    v.name = version->name;
    if (auto w = step.weights.find(v.name); w != step.weights.end()) v.weight = w->second;
    for (const auto& c : counts) {
      if (c.name != v.name) continue;
      v.request_count = static_cast<std::int64_t>(c.requests);
      for (const auto& [metric, ratio] : c.metrics) {
        if (ratio.trials == 0) continue;
        v.metrics[metric] = ax::metric_scale(metric) * static_cast<double>(ratio.events) /
                            static_cast<double>(ratio.trials);
      }
    }
    for (const auto& a : step.assessment.versions) {
      if (a.name != v.name) continue;
      for (const auto& g : a.guardrails) {
        if (g.verdict == ax::GuardrailVerdict::Violated) v.failed_objectives.push_back(g.metric);
      }
      v.cut_off = a.failed && !a.live;
      if (spec.strategy.testing_pattern == model::TestingPattern::Performance)
        v.objectives = std::string(ax::objectives_word(a));
      if (a.reward) {
        v.successes = static_cast<double>(a.reward->events);
        v.failures = static_cast<double>(a.reward->trials - a.reward->events);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace veer::controller::experiment
