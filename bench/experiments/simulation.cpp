#include "bench/experiments/simulation.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

#include "analysis/experiment/experiment_step.hpp"

namespace veer::bench {

namespace ex = analysis::experiment;

Scenario abn_scenario() {
  Scenario s;
  s.name = "abn";
  s.versions = {{"baseline", 0.10, 0.01},
                {"same", 0.10, 0.01},
                {"better", 0.115, 0.01},
                {"breaks-guardrail", 0.13, 0.04}};
  s.right_winner = "better";
  return s;
}

Scenario null_scenario() {
  Scenario s;
  s.name = "null";
  s.versions = {{"baseline", 0.10, 0.01}, {"a", 0.10, 0.01}, {"b", 0.10, 0.01}};
  s.right_winner = "";
  s.iterations = 60;
  return s;
}

model::ExperimentSpec experiment_spec(const Scenario& scenario, model::TrafficStrategy strategy) {
  model::ExperimentSpec spec;
  spec.baseline.name = scenario.versions[0].name;
  for (std::size_t i = 1; i < scenario.versions.size(); ++i)
    spec.candidates.push_back({scenario.versions[i].name, {}});
  model::Objective errors;
  errors.metric = "errors";
  errors.upper_limit = scenario.error_limit;
  errors.preferred = model::Direction::LowerIsBetter;
  spec.criteria.objectives.push_back(errors);
  spec.criteria.rewards.push_back({"conversion", model::Direction::HigherIsBetter});
  spec.strategy.testing_pattern = model::TestingPattern::ABNTesting;
  spec.strategy.traffic = strategy;
  if (strategy == model::TrafficStrategy::FixedSplit) {
    // 20% per candidate, the rest on the baseline (a cautious split).
    auto candidates = static_cast<std::int32_t>(scenario.versions.size()) - 1;
    spec.strategy.fixed_split[scenario.versions[0].name] = 100 - 20 * candidates;
    for (std::size_t i = 1; i < scenario.versions.size(); ++i)
      spec.strategy.fixed_split[scenario.versions[i].name] = 20;
  }
  spec.strategy.seed = 1;
  spec.strategy.min_weight = scenario.min_weight;
  spec.duration.iterations = scenario.iterations;
  return spec;
}

RunResult run_experiment(const Scenario& scenario, model::TrafficStrategy strategy,
                         std::uint64_t seed) {
  auto spec = experiment_spec(scenario, strategy);
  spec.strategy.seed = seed + 1;
  std::mt19937_64 rng(seed);
  const std::size_t k = scenario.versions.size();
  double best_conversion = 0;
  for (const auto& v : scenario.versions)
    if (v.name == scenario.right_winner) best_conversion = v.conversion;
  if (scenario.right_winner.empty()) best_conversion = scenario.versions[0].conversion;

  std::vector<ex::VersionCounts> counts;
  for (const auto& v : scenario.versions) counts.push_back({v.name, 0, {}});
  model::ExperimentStatus status;
  std::map<std::string, std::int32_t> weights;
  for (std::size_t i = 0; i < k; ++i)  // before the first look: everything on the baseline
    weights[scenario.versions[i].name] = i == 0 ? 100 : 0;
  for (const auto& [name, w] : weights) {
    model::VersionStatus v;
    v.name = name;
    v.weight = w;
    status.versions.push_back(v);
  }
  RunResult out;
  double total_requests = 0, worse = 0, violating = 0;
  for (std::int32_t look = 0; look < scenario.iterations; ++look) {
    // The router: each request goes to version i with probability weight_i / 100.
    std::uint64_t left = scenario.requests_per_interval;
    double weight_left = 100;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& v = scenario.versions[i];
      double w = weights[v.name];
      std::uint64_t n = left;
      if (i + 1 < k)
        n = weight_left > 0 ? std::binomial_distribution<std::uint64_t>(
                                  left, std::clamp(w / weight_left, 0.0, 1.0))(rng)
                            : 0;
      left -= n;
      weight_left -= w;
      auto conversions = std::binomial_distribution<std::uint64_t>(n, v.conversion)(rng);
      auto errors = std::binomial_distribution<std::uint64_t>(n, v.error)(rng);
      auto& c = counts[i];
      c.requests += n;
      c.metrics["conversion"].events += conversions;
      c.metrics["conversion"].trials += n;
      c.metrics["errors"].events += errors;
      c.metrics["errors"].trials += n;
      total_requests += static_cast<double>(n);
      out.regret += static_cast<double>(n) * std::max(0.0, best_conversion - v.conversion);
      if (v.conversion < best_conversion) worse += static_cast<double>(n);
      if (v.error > scenario.error_limit) violating += static_cast<double>(n);
    }
    // A fresh process each time: the status goes through JSON.
    auto stored = model::parse_experiment_status(model::to_json(status)).value;
    auto step = ex::experiment_step(spec, "simulated", stored, counts);
    if (!step) throw std::runtime_error(step.error().message);
    out.looks = look + 1;
    weights = step->weights;
    status.versions.clear();
    for (const auto& [name, w] : weights) {
      model::VersionStatus v;
      v.name = name;
      v.weight = w;
      status.versions.push_back(v);
    }
    status.evidence = step->evidence;
    if (ex::is_final(step->assessment.verdict)) {
      out.verdict = std::string(ex::to_string(step->assessment.verdict));
      out.winner = step->assessment.winner;
      break;
    }
  }
  if (out.verdict.empty()) out.verdict = "no-winner";
  out.worse_share = total_requests > 0 ? worse / total_requests : 0;
  out.violator_share = total_requests > 0 ? violating / total_requests : 0;
  return out;
}

Summary summarize(const Scenario& scenario, model::TrafficStrategy strategy, int runs,
                  std::uint64_t first_seed) {
  Summary s;
  double looks_to_winner = 0;
  for (int r = 0; r < runs; ++r) {
    auto result = run_experiment(scenario, strategy, first_seed + static_cast<std::uint64_t>(r));
    ++s.runs;
    if (result.winner.empty())
      ++s.none;
    else if (result.winner == scenario.right_winner)
      ++s.right;
    else
      ++s.wrong;
    if (!result.winner.empty()) looks_to_winner += result.looks;
    s.mean_regret += result.regret;
    s.mean_worse_share += result.worse_share;
    s.mean_violator_share += result.violator_share;
  }
  if (s.runs) {
    s.mean_regret /= s.runs;
    s.mean_worse_share /= s.runs;
    s.mean_violator_share /= s.runs;
  }
  int winners = s.right + s.wrong;
  s.mean_looks_to_winner = winners ? looks_to_winner / winners : 0;
  return s;
}

}  // namespace veer::bench
