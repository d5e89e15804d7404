#include "analysis/experiment/allocation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace veer::analysis::experiment {

namespace {

using model::TrafficStrategy;

// Shares of the live versions (summing to 1), before any safety filter.
std::vector<double> proposed_shares(const AllocationConfig& config, const AllocationInput& input,
                                    const std::vector<bool>& live) {
  const std::size_t k = config.versions.size();
  std::vector<double> share(k, 0.0);
  auto live_count = static_cast<double>(std::count(live.begin(), live.end(), true));
  if (live_count == 0) return share;
  auto uniform = [&] {
    for (std::size_t i = 0; i < k; ++i) share[i] = live[i] ? 1 / live_count : 0;
  };
  bool adaptive = config.strategy == TrafficStrategy::Progressive ||
                  config.strategy == TrafficStrategy::Top2 ||
                  config.strategy == TrafficStrategy::Thompson;
  if (config.strategy == TrafficStrategy::Uniform ||
      (adaptive &&
       (input.iteration < config.burn_in_iterations || input.probability_best.size() != k))) {
    uniform();
    return share;
  }
  if (config.strategy == TrafficStrategy::FixedSplit) {
    double sum = 0;
    for (std::size_t i = 0; i < k; ++i) {
      auto it = config.fixed_split.find(config.versions[i]);
      share[i] = live[i] && it != config.fixed_split.end() ? it->second : 0;
      sum += share[i];
    }
    if (sum == 0) {
      uniform();
      return share;
    }
    for (auto& s : share) s /= sum;
    return share;
  }
  // The adaptive strategies: a score per version, then floors.
  std::vector<double> score(k, 0.0);
  if (config.strategy == TrafficStrategy::Thompson) {
    std::mt19937_64 rng(config.seed ^
                        (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(input.iteration + 1)));
    auto reward = input.reward;
    for (std::size_t i = 0; i < k && i < reward.size(); ++i) reward[i].live = live[i];
    if (reward.size() == k)
      score = thompson_shares(reward, config.higher_is_better, config.thompson_draws, rng);
  } else {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < k; ++i)
      if (live[i]) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return input.probability_best[a] > input.probability_best[b];
    });
    std::size_t top = config.strategy == TrafficStrategy::Top2 ? 2 : 1;
    top = std::min(top, order.size());
    for (std::size_t j = 0; j < top; ++j) score[order[j]] = 1.0 / static_cast<double>(top);
  }
  double floor = config.min_weight / 100.0;
  if (floor * live_count > 1) floor = 1 / live_count;
  double rest = 1 - floor * live_count;
  double total = 0;
  for (std::size_t i = 0; i < k; ++i) total += live[i] ? score[i] : 0;
  for (std::size_t i = 0; i < k; ++i) {
    if (!live[i]) continue;
    share[i] = floor + rest * (total > 0 ? score[i] / total : 1 / live_count);
  }
  return share;
}

}  // namespace

std::vector<std::int32_t> allocate(const AllocationConfig& config, const AllocationInput& input) {
  const std::size_t k = config.versions.size();
  std::vector<std::int32_t> out(k, 0);
  if (k == 0) return out;
  std::vector<bool> live(k, true);
  for (std::size_t i = 0; i < k && i < input.reward.size(); ++i) live[i] = input.reward[i].live;
  auto share = proposed_shares(config, input, live);

  // Candidates in percent after the safety filters; the baseline takes what remains.
  std::vector<double> weight(k, 0.0);
  double candidates = 0;
  for (std::size_t i = 1; i < k; ++i) {
    double w = share[i] * config.traffic_percentage;
    w = std::min<double>(w, config.max_candidate_weight);
    auto prev = input.previous_weights.find(config.versions[i]);
    double before = prev == input.previous_weights.end() ? 0 : prev->second;
    w = std::min<double>(w, before + config.max_candidate_weight_increment);
    if (!live[i]) w = 0;
    weight[i] = std::max(0.0, w);
    candidates += weight[i];
  }
  weight[0] = std::max(0.0, 100 - candidates);

  // Integers summing to 100: floors, then the largest remainders. A candidate rounded up never
  // passes a limit (limits are integers at or above its real weight).
  std::int32_t assigned = 0;
  std::vector<std::pair<double, std::size_t>> remainders;
  for (std::size_t i = 0; i < k; ++i) {
    out[i] = static_cast<std::int32_t>(std::floor(weight[i] + 1e-9));
    assigned += out[i];
    remainders.emplace_back(weight[i] - out[i], i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t j = 0; assigned < 100 && j < remainders.size(); ++j) {
    if (remainders[j].first <= 1e-9) break;
    ++out[remainders[j].second];
    ++assigned;
  }
  out[0] += 100 - assigned;  // whatever is left (or, never, too much) is the baseline's
  return out;
}

}  // namespace veer::analysis::experiment
