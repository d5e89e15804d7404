#include "analysis/experiment/experiment_step.hpp"

#include "analysis/experiment/allocation.hpp"
#include "analysis/experiment/experiment_config.hpp"

namespace veer::analysis::experiment {

Outcome<ExperimentStep> experiment_step(const model::ExperimentSpec& spec, std::string_view uid,
                                        const model::ExperimentStatus& status,
                                        const std::vector<VersionCounts>& counts) {
  AssessmentState previous;
  if (status.evidence.is_object() && status.evidence.contains("state")) {
    auto parsed = parse_assessment_state(status.evidence["state"]);
    if (!parsed) return fail("status.evidence." + parsed.error());
    previous = *parsed;
  }
  std::map<std::string, std::int32_t> in_effect;
  for (const auto& v : status.versions) in_effect[v.name] = v.weight;

  auto config = assessment_config(spec);
  auto assessed = assess(config, previous, counts, in_effect);
  if (!assessed) return fail(assessed.error());

  ExperimentStep out;
  out.assessment = *assessed;
  AllocationInput input;
  input.iteration = out.assessment.state.looks;
  input.previous_weights = in_effect;
  for (const auto& v : out.assessment.versions) {
    PosteriorCounts p;
    if (v.reward) p = {v.reward->events, v.reward->trials, v.live};
    p.live = v.live;
    input.reward.push_back(p);
    input.probability_best.push_back(v.probability_best);
  }
  if (!config.reward) input.probability_best.clear();
  auto allocation = allocation_config(spec, uid);
  auto weights = allocate(allocation, input);
  for (std::size_t i = 0; i < weights.size(); ++i) out.weights[allocation.versions[i]] = weights[i];
  out.evidence = evidence_json(config, out.assessment);
  out.evidence["weights"] = out.weights;
  return out;
}

}  // namespace veer::analysis::experiment
