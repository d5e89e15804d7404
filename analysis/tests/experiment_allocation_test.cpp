// Experiment traffic allocation: every strategy, then the safety filters, in integers.
#include <algorithm>
#include <numeric>
#include <random>

#include <doctest/doctest.h>

#include "analysis/experiment/allocation.hpp"

namespace ex = veer::analysis::experiment;
using veer::model::TrafficStrategy;

namespace {

ex::AllocationConfig config(TrafficStrategy strategy) {
  ex::AllocationConfig c;
  c.strategy = strategy;
  c.versions = {"base", "a", "b", "c"};
  c.max_candidate_weight = 100;
  c.max_candidate_weight_increment = 100;
  c.burn_in_iterations = 2;
  c.min_weight = 5;
  c.seed = 11;
  return c;
}

// After the burn-in: "b" is clearly best, "a" second.
ex::AllocationInput clear_leader() {
  ex::AllocationInput in;
  in.iteration = 5;
  in.reward = {{100, 1000, true}, {115, 1000, true}, {160, 1000, true}, {90, 1000, true}};
  in.probability_best = {0.0, 0.01, 0.99, 0.0};
  return in;
}

int sum(const std::vector<std::int32_t>& w) {
  return std::accumulate(w.begin(), w.end(), 0);
}

}  // namespace

TEST_CASE("uniform and the adaptive strategies during the burn-in split evenly") {
  for (auto s : {TrafficStrategy::Uniform, TrafficStrategy::Progressive, TrafficStrategy::Top2,
                 TrafficStrategy::Thompson}) {
    auto in = clear_leader();
    if (s != TrafficStrategy::Uniform) in.iteration = 1;
    CHECK(ex::allocate(config(s), in) == std::vector<std::int32_t>{25, 25, 25, 25});
  }
}

TEST_CASE("progressive sends all but the floors to the likely best, top-2 splits it between two") {
  auto w = ex::allocate(config(TrafficStrategy::Progressive), clear_leader());
  CHECK(w == std::vector<std::int32_t>{5, 5, 85, 5});
  w = ex::allocate(config(TrafficStrategy::Top2), clear_leader());
  CHECK(w == std::vector<std::int32_t>{5, 45, 45, 5});
}

TEST_CASE("thompson follows the posterior, keeps the floors, and repeats itself from the seed") {
  auto w = ex::allocate(config(TrafficStrategy::Thompson), clear_leader());
  CHECK(sum(w) == 100);
  CHECK(w[2] >= 80);
  for (auto x : w) CHECK(x >= 5);
  CHECK(ex::allocate(config(TrafficStrategy::Thompson), clear_leader()) == w);
}

TEST_CASE("fixed-split is the spec's split, a failed version's share goes to the others") {
  auto c = config(TrafficStrategy::FixedSplit);
  c.fixed_split = {{"base", 40}, {"a", 20}, {"b", 20}, {"c", 20}};
  auto in = clear_leader();
  CHECK(ex::allocate(c, in) == std::vector<std::int32_t>{40, 20, 20, 20});
  in.reward[3].live = false;
  auto w = ex::allocate(c, in);
  CHECK(w[3] == 0);
  CHECK(sum(w) == 100);
  CHECK(w == std::vector<std::int32_t>{50, 25, 25, 0});
}

TEST_CASE("safety filters: cap, increment, traffic percentage, failed versions at 0") {
  auto c = config(TrafficStrategy::Progressive);
  c.max_candidate_weight = 40;
  auto w = ex::allocate(c, clear_leader());
  CHECK(w == std::vector<std::int32_t>{50, 5, 40, 5});

  c.max_candidate_weight_increment = 10;
  auto in = clear_leader();
  in.previous_weights = {{"base", 70}, {"a", 10}, {"b", 10}, {"c", 10}};
  w = ex::allocate(c, in);
  CHECK(w == std::vector<std::int32_t>{70, 5, 20, 5});  // b: 10 + 10; a and c may fall freely

  c = config(TrafficStrategy::Uniform);
  c.traffic_percentage = 30;
  w = ex::allocate(c, clear_leader());
  CHECK(w == std::vector<std::int32_t>{78, 8, 7, 7});  // 7.5 each; largest remainders first

  in = clear_leader();
  in.reward[2].live = false;
  w = ex::allocate(config(TrafficStrategy::Progressive), in);
  CHECK(w[2] == 0);
  CHECK(sum(w) == 100);
}

// Property: whatever the inputs, weights are integers 0..100 summing to 100 and no filter is
// broken. 2000 seeded random cases over every strategy.
TEST_CASE("weights always sum to 100 and respect every limit") {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> pct(1, 100);
  std::uniform_int_distribution<int> small(0, 30);
  std::bernoulli_distribution coin(0.25);
  const std::vector<TrafficStrategy> strategies{
      TrafficStrategy::FixedSplit, TrafficStrategy::Uniform, TrafficStrategy::Progressive,
      TrafficStrategy::Top2, TrafficStrategy::Thompson};
  for (int t = 0; t < 2000; ++t) {
    auto c = config(strategies[static_cast<std::size_t>(t) % strategies.size()]);
    c.max_candidate_weight = pct(rng);
    c.max_candidate_weight_increment = pct(rng);
    c.traffic_percentage = pct(rng);
    c.min_weight = small(rng);
    c.thompson_draws = 200;
    c.fixed_split = {{"base", 10}, {"a", 30}, {"b", 30}, {"c", 30}};
    ex::AllocationInput in;
    in.iteration = small(rng) % 5;
    std::vector<double> p;
    for (std::size_t i = 0; i < 4; ++i) {
      std::uint64_t n = static_cast<std::uint64_t>(small(rng)) * 10;
      in.reward.push_back({n / 3, n, !coin(rng)});
      p.push_back(static_cast<double>(pct(rng)));
      in.previous_weights[c.versions[i]] = small(rng);
    }
    double total = std::accumulate(p.begin(), p.end(), 0.0);
    for (auto& x : p) x /= total;
    in.probability_best = p;
    auto w = ex::allocate(c, in);
    REQUIRE(sum(w) == 100);
    int candidates = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(w[i] >= 0);
      if (i == 0) continue;
      candidates += w[i];
      CHECK(w[i] <= c.max_candidate_weight);
      CHECK(w[i] <= in.previous_weights[c.versions[i]] + c.max_candidate_weight_increment);
      if (!in.reward[i].live) CHECK(w[i] == 0);
    }
    CHECK(candidates <= c.traffic_percentage);
  }
}
