// bench_decisions_ideal [--runs N] [--alpha a,b] [--max-hold m,n]
// The sequential test alone, on exact counts: is its type-I error as designed? Each look is one
// minute of Poisson requests at `rpm` split by the weight (no Prometheus: no scrapes, no
// extrapolation, no resets, no late looks), fed to veer's own sequential_update. The rollout
// follows the verdict rule: hold at the weight while undecided, advance 10 points on "proven no
// worse" (the state keeps accumulating), promote when it holds at 50%, roll back when proven
// worse or when `max-hold` looks were held. Differences from bench_decisions are then the
// Prometheus layer's (results.md compares them).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/stats/sequential_binomial.hpp"
#include "bench/decisions/number_list.hpp"

namespace stats = veer::analysis::stats;

namespace {

struct Tally {
  int proven_worse = 0, hold_expired = 0, promoted = 0;
  std::vector<int> minutes;
};

Tally run(double rpm, double k, double alpha, int max_hold, int runs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  stats::SequentialOptions options;
  options.alpha = alpha;
  Tally tally;
  for (int r = 0; r < runs; ++r) {
    stats::SequentialState state;
    int weight = 10, held = 0, minute = 0;
    while (true) {
      ++minute;
      const double w = weight / 100.0;
      const auto nc = std::poisson_distribution<std::uint64_t>(rpm * w)(rng);
      const auto np = std::poisson_distribution<std::uint64_t>(rpm * (1 - w))(rng);
      stats::IntervalCounts counts{
          std::binomial_distribution<std::uint64_t>(nc, std::min(1.0, 0.01 * k))(rng), nc,
          std::binomial_distribution<std::uint64_t>(np, 0.01)(rng), np};
      state = *stats::sequential_update(state, counts, options);
      const auto decision = stats::sequential_decision(state, options);
      if (decision == stats::SequentialDecision::Fail) {
        ++tally.proven_worse;
        break;
      }
      if (decision == stats::SequentialDecision::Pass) {
        if (weight >= 50) {
          ++tally.promoted;
          break;
        }
        weight += 10;
        continue;
      }
      if (++held >= max_hold) {
        ++tally.hold_expired;
        break;
      }
    }
    tally.minutes.push_back(minute);
  }
  std::sort(tally.minutes.begin(), tally.minutes.end());
  return tally;
}

}  // namespace

using veer::bench::parse_list;

int main(int argc, char** argv) {
  int runs = 20000;
  std::vector<double> alphas{0.05, 0.01}, holds{30, 60, 90};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--runs") runs = std::atoi(argv[i + 1]);
    if (arg == "--alpha") alphas = parse_list(argv[i + 1]);
    if (arg == "--max-hold") holds = parse_list(argv[i + 1]);
  }
  std::printf(
      "| req/min | k | alpha | maxHold (looks) | proven worse | hold expired | promoted | "
      "minutes median | minutes p90 |\n|---|---|---|---|---|---|---|---|---|\n");
  for (double rpm : {1000.0, 5000.0, 20000.0}) {
    for (double alpha : alphas) {
      for (double hold : holds) {
        for (double k : {1.0, 2.0}) {
          const auto t = run(rpm, k, alpha, int(hold), runs, 20261126);
          auto pct = [&](int n) { return 100.0 * n / runs; };
          std::printf("| %.0f | %g | %g | %g | %.2f%% | %.2f%% | %.2f%% | %d | %d |\n", rpm, k,
                      alpha, hold, pct(t.proven_worse), pct(t.hold_expired), pct(t.promoted),
                      t.minutes[t.minutes.size() / 2], t.minutes[t.minutes.size() * 9 / 10]);
        }
      }
    }
  }
  return 0;
}
