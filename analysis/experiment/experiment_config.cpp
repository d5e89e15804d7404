#include "analysis/experiment/experiment_config.hpp"

namespace veer::analysis::experiment {

namespace {

bool reward_higher(const model::ExperimentSpec& spec) {
  return spec.criteria.rewards.empty() ||
         spec.criteria.rewards[0].preferred == model::Direction::HigherIsBetter;
}

// FNV-1a: a stable seed from the uid (std::hash may differ between builds).
std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

double metric_scale(std::string_view metric) {
  return metric == "request-success-rate" ? 100.0 : 1.0;
}

AssessmentConfig assessment_config(const model::ExperimentSpec& spec) {
  AssessmentConfig c;
  c.pattern = spec.strategy.testing_pattern;
  for (const auto* v : spec.versions()) c.versions.push_back(v->name);
  for (const auto& o : spec.criteria.objectives) {
    double scale = metric_scale(o.metric);
    Guardrail g;
    g.metric = o.metric;
    if (o.upper_limit) g.upper_limit = *o.upper_limit / scale;
    if (o.lower_limit) g.lower_limit = *o.lower_limit / scale;
    if (o.margin) g.absolute_margin = *o.margin / scale;
    g.relative_margin = o.relative_margin;
    g.higher_is_better = o.preferred == model::Direction::HigherIsBetter;
    g.rollback_on_failure = o.rollback_on_failure;
    c.guardrails.push_back(g);
  }
  if (!spec.criteria.rewards.empty())
    c.reward = RewardRule{spec.criteria.rewards[0].metric, reward_higher(spec)};
  c.confidence = spec.criteria.confidence;
  c.min_request_count = static_cast<std::uint64_t>(spec.criteria.min_request_count);
  c.cutoff_on_failure = spec.strategy.cutoff_on_failure;
  c.iterations = spec.duration.iterations;
  return c;
}

AllocationConfig allocation_config(const model::ExperimentSpec& spec, std::string_view uid) {
  AllocationConfig c;
  const auto& s = spec.strategy;
  c.strategy = s.traffic;
  for (const auto* v : spec.versions()) c.versions.push_back(v->name);
  c.fixed_split = s.fixed_split;
  c.max_candidate_weight = s.max_candidate_weight;
  c.max_candidate_weight_increment = s.max_candidate_weight_increment;
  c.traffic_percentage = s.traffic_percentage;
  c.burn_in_iterations = s.burn_in_iterations;
  c.min_weight = s.min_weight;
  c.seed = s.seed ? s.seed : stable_hash(uid);
  c.higher_is_better = reward_higher(spec);
  return c;
}

}  // namespace veer::analysis::experiment
