// bench_experiments [--runs N] [--seed S] [--scenario abn|null|all] [--strategy NAME]
// [--min-weight W]: seeded simulated A/B/n
// experiments under every traffic strategy; prints the markdown table of
// bench/experiments/results.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/experiments/simulation.hpp"

using veer::model::TrafficStrategy;

int main(int argc, char** argv) {
  int runs = 1000;
  std::uint64_t seed = 1;
  std::string which = "all";
  std::string only_strategy;
  int min_weight = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs"))
      runs = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed"))
      seed = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--scenario"))
      which = argv[i + 1];
    else if (!std::strcmp(argv[i], "--strategy"))
      only_strategy = argv[i + 1];
    else if (!std::strcmp(argv[i], "--min-weight"))
      min_weight = std::stoi(argv[i + 1]);
  }
  std::printf(
      "| scenario | strategy | runs | right winner | wrong winner | no winner | intervals to a "
      "winner (mean) | regret (conversions lost, mean) | traffic to worse versions | traffic to "
      "the guardrail breaker |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (auto scenario : {veer::bench::abn_scenario(), veer::bench::null_scenario()}) {
    if (which != "all" && which != scenario.name) continue;
    scenario.min_weight = min_weight;
    for (auto strategy :
         {TrafficStrategy::FixedSplit, TrafficStrategy::Uniform, TrafficStrategy::Progressive,
          TrafficStrategy::Top2, TrafficStrategy::Thompson}) {
      if (!only_strategy.empty() && only_strategy != veer::model::to_string(strategy)) continue;
      auto start = std::chrono::steady_clock::now();
      auto s = veer::bench::summarize(scenario, strategy, runs, seed);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("| %s | %s | %d | %.1f%% | %.1f%% | %.1f%% | %.1f | %.0f | %.1f%% | %.2f%% |\n",
                  scenario.name.c_str(), std::string(veer::model::to_string(strategy)).c_str(),
                  s.runs, 100.0 * s.right / s.runs, 100.0 * s.wrong / s.runs,
                  100.0 * s.none / s.runs, s.mean_looks_to_winner, s.mean_regret,
                  100 * s.mean_worse_share, 100 * s.mean_violator_share);
      std::fprintf(stderr, "%s %s: %.1f s\n", scenario.name.c_str(),
                   std::string(veer::model::to_string(strategy)).c_str(), secs);
      std::fflush(stdout);
    }
  }
  return 0;
}
