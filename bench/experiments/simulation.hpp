// A simulated A/B/n experiment where the truth is known: each version has a true conversion rate
// (the reward) and a true error rate (a guardrail). Every interval the router splits `requests`
// by the weights veer set (multinomially), each request converts and errs at its version's rates,
// and experiment_step (the controller's call) judges and sets the next weights, its status
// round-tripped through JSON as the API server would store it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/experiment.hpp"

namespace veer::bench {

struct SimulatedVersion {
  std::string name;
  double conversion = 0.1;  // the reward's true rate
  double error = 0.01;      // the guardrail's true rate
};

struct Scenario {
  std::string name;
  std::vector<SimulatedVersion> versions;  // baseline first
  std::string right_winner;   // best reward among versions meeting the guardrail ("" none)
  double error_limit = 0.02;  // the guardrail: error rate at most this
  std::uint64_t requests_per_interval = 4000;
  std::int32_t iterations = 100;
  std::int32_t min_weight = 10;  // spec.strategy.minWeight (the default)
};

// The default scenario: baseline 10%, candidates 10%, 11.5% (the right winner), and one with the
// best conversion (13%) that breaks the error guardrail (4% > 2%).
Scenario abn_scenario();
// All versions equal: any winner but the baseline... is by chance; every winner counts as wrong.
Scenario null_scenario();

model::ExperimentSpec experiment_spec(const Scenario& scenario, model::TrafficStrategy strategy);

struct RunResult {
  std::string winner;         // "" when none
  std::string verdict;        // winner | no-winner | abort
  std::int32_t looks = 0;     // intervals until the end
  double regret = 0;          // conversions lost against always serving the right winner
  double worse_share = 0;     // share of requests sent to versions worse than the right winner
  double violator_share = 0;  // share of requests sent to versions breaking the guardrail
};

RunResult run_experiment(const Scenario& scenario, model::TrafficStrategy strategy,
                         std::uint64_t seed);

struct Summary {
  int runs = 0;
  int right = 0;
  int wrong = 0;
  int none = 0;
  double mean_regret = 0;
  double mean_worse_share = 0;
  double mean_violator_share = 0;
  double mean_looks_to_winner = 0;  // over runs that found one
};

Summary summarize(const Scenario& scenario, model::TrafficStrategy strategy, int runs,
                  std::uint64_t first_seed);

}  // namespace veer::bench
