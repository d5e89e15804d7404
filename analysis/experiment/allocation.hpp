// Traffic allocation for an Experiment: a strategy proposes each live version's share of the
// traffic that takes part, then the safety filters bound it. Pure and deterministic: the same
// inputs (and seed) give the same weights, so a restarted operator writes the same split.
//
// Strategies: fixed-split (spec.strategy.fixedSplit), uniform, progressive (the version most
// likely best gets everything above the floors), top-2 (the two most likely best share it
// equally), thompson (each live version gets the share of seeded posterior draws in which it is
// best). The adaptive three are uniform during the burn-in and give every live version at least
// `minWeight` percent of the traffic that takes part afterwards.
// Safety filters, in this order: trafficPercentage (candidates share only that part, the baseline
// serves the rest), maxCandidateWeight, maxCandidateWeightIncrement (against the previous
// weights), failed versions at 0; then integers summing to 100 (largest remainders; the baseline
// absorbs the rest, so no filter is ever undone by rounding).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/experiment/probability_best.hpp"
#include "model/experiment.hpp"

namespace veer::analysis::experiment {

struct AllocationConfig {
  model::TrafficStrategy strategy = model::TrafficStrategy::Progressive;
  std::vector<std::string> versions;  // baseline first
  std::map<std::string, std::int32_t> fixed_split;
  std::int32_t max_candidate_weight = 100;
  std::int32_t max_candidate_weight_increment = 10;
  std::int32_t traffic_percentage = 100;
  std::int32_t burn_in_iterations = 2;
  std::int32_t min_weight = 10;  // floor of each live version, % of the traffic that takes part
  std::uint64_t seed = 1;
  std::int32_t thompson_draws = 2000;
  bool higher_is_better = true;  // the reward's direction
};

struct AllocationInput {
  std::int32_t iteration = 0;            // looks completed (0 before the first)
  std::vector<PosteriorCounts> reward;   // per version; live = false for a failed version
  std::vector<double> probability_best;  // per version (empty: none yet)
  std::map<std::string, std::int32_t> previous_weights;  // empty before the first split
};

// Weights per version (the config's order), integers in 0..100 summing to 100.
std::vector<std::int32_t> allocate(const AllocationConfig& config, const AllocationInput& input);

}  // namespace veer::analysis::experiment
