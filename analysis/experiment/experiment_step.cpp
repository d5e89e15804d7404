#include "analysis/experiment/experiment_step.hpp"

#include "analysis/experiment/allocation.hpp"
#include "analysis/experiment/experiment_config.hpp"

namespace veer::analysis::experiment {

namespace {

std::map<std::string, std::int32_t> next_weights(
    const model::ExperimentSpec& spec, std::string_view uid, const Assessment& assessment,
    const std::map<std::string, std::int32_t>& in_effect, bool has_reward) {
  AllocationInput input;
  input.iteration = assessment.state.looks;
  input.previous_weights = in_effect;
  for (const auto& v : assessment.versions) {
    PosteriorCounts p;
    if (v.reward) p = {v.reward->events, v.reward->trials, v.live};
    p.live = v.live;
    input.reward.push_back(p);
    input.probability_best.push_back(v.probability_best);
  }
  if (!has_reward) input.probability_best.clear();
  auto allocation = allocation_config(spec, uid);
  auto weights = allocate(allocation, input);
  std::map<std::string, std::int32_t> out;
  for (std::size_t i = 0; i < weights.size(); ++i) out[allocation.versions[i]] = weights[i];
  return out;
}

}  // namespace

Outcome<ExperimentStep> experiment_step(const model::ExperimentSpec& spec, std::string_view uid,
                                        const model::ExperimentStatus& status,
                                        const std::vector<VersionCounts>& counts) {
  AssessmentState previous;
  if (status.evidence.is_object() && status.evidence.contains("state")) {
    auto parsed = parse_assessment_state(status.evidence["state"]);
    if (!parsed) return fail("status.evidence." + parsed.error().message);
    previous = *parsed;
  }
  std::map<std::string, std::int32_t> in_effect;
  for (const auto& v : status.versions) in_effect[v.name] = v.weight;

  auto config = assessment_config(spec);
  auto assessed = assess(config, previous, counts, in_effect);
  if (!assessed) return fail(assessed.error().message);

  ExperimentStep out;
  out.assessment = *assessed;
  if (spec.strategy.testing_pattern == model::TestingPattern::Performance) {
    // Load only: veer sets no split, so every version's weight is 0.
    for (const auto& name : config.versions) out.weights[name] = 0;
  } else {
    out.weights = next_weights(spec, uid, out.assessment, in_effect, config.reward.has_value());
  }
  out.evidence = evidence_json(config, out.assessment);
  out.evidence["weights"] = out.weights;
  return out;
}

}  // namespace veer::analysis::experiment
