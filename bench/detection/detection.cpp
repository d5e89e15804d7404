// Detection benchmark (seeded, deterministic): how often each way of judging a canary rolls back a
// good one or promotes a bad one, and how much traffic and time it needs to decide.
//
// A primary serves at error rate p and a canary at p (good) or k·p (bad). Traffic T requests per
// minute is split by a Flagger-like schedule: canary weight 10%, 20%, ... up to 50%, one step per
// 1-minute interval, then held. Methods, all looking at the end of each interval:
//   threshold  Flagger: the canary's error rate this interval must be <= 1.5·p; rollback after 2
//              failed checks; promotion once 50% is reached (minute 5).
//   fixed      A one-sided two-proportion z-test (alpha 1%) run once, at the first minute where
//              it has 99% power against k = 2 (computed from the expected counts).
//   veer 1m    veer's sequential test (analysis/stats/sequential_binomial), alpha 1%, no margin,
//              looking once per 1-minute interval; undecided after 60 minutes = promotion.
//   veer 10s   the same test looking every 10 s (Flagger's smallest interval); the weights still
//              change once a minute. A sequential test may look as often as it likes.
//   SPRT       Wald's analytic expected sample size for the same conditional test, monitored
//              continuously (no interval rounding): the reference for "how fast can one be".
// Usage: bench_detection [runs per cell, default 2000]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "analysis/stats/sequential_binomial.hpp"

namespace stats = veer::analysis::stats;

namespace {

constexpr int kHorizonMinutes = 60;
constexpr double kAlpha = 0.01;

double canary_weight(int minute) {
  return std::min(0.5, 0.1 * minute);
}  // minute = 1, 2, ...

struct Minute {
  std::uint64_t canary_requests, primary_requests, canary_errors, primary_errors;
};

struct Tally {
  int rollbacks = 0;
  double canary_requests = 0;  // summed over runs, at the decision
  double minutes = 0;
  void add(bool rollback, double requests, double at_minute) {
    rollbacks += rollback;
    canary_requests += requests;
    minutes += at_minute;
  }
};

struct Setting {
  double p;
  double k;
  double traffic;  // requests per minute, both sides
};

// The first minute at which the one-sided z-test has 99% power against k = 2.
int fixed_horizon_minute(double p, double traffic) {
  const boost::math::normal normal;
  const double z_alpha = boost::math::quantile(boost::math::complement(normal, kAlpha));
  double nc = 0, np = 0;
  for (int minute = 1; minute <= 100000; ++minute) {
    nc += traffic * canary_weight(minute);
    np += traffic * (1 - canary_weight(minute));
    const double pc = 2 * p;
    const double pooled = (nc * pc + np * p) / (nc + np);
    const double sigma0 = std::sqrt(pooled * (1 - pooled) * (1 / nc + 1 / np));
    const double sigma1 = std::sqrt(pc * (1 - pc) / nc + p * (1 - p) / np);
    const double power = boost::math::cdf(normal, ((pc - p) - z_alpha * sigma0) / sigma1);
    if (power >= 0.99) return minute;
  }
  return 100000;
}

bool z_test_rejects(double ec, double nc, double ep, double np) {
  const double pooled = (ec + ep) / (nc + np);
  if (pooled <= 0 || pooled >= 1) return false;
  const double z = (ec / nc - ep / np) / std::sqrt(pooled * (1 - pooled) * (1 / nc + 1 / np));
  const double z_alpha =
      boost::math::quantile(boost::math::complement(boost::math::normal(), kAlpha));
  return z > z_alpha;
}

// Wald's expected canary requests and minutes for the conditional SPRT (r_ok = 1, r_bad = 2)
// when the true ratio is k, following the weight schedule continuously.
std::pair<double, double> sprt_expectation(const Setting& s) {
  auto theta = [](double w, double r) { return w * r / (w * r + (1 - w)); };
  const double a = std::log(1 / kAlpha);
  // Probability of ending at Fail: exact at k = 1 (α-ish) and k = 2 (1-α-ish) where h = ±1;
  // elsewhere from the share at 30%, which is close to where decisions happen.
  double p_fail;
  if (s.k == 1) {
    p_fail = (1 - std::exp(-a)) / (std::exp(a) - std::exp(-a));
  } else {
    const double w = 0.3;
    const double t0 = theta(w, 1), t1 = theta(w, 2), t = theta(w, s.k);
    auto g = [&](double h) {
      return t * std::pow(t1 / t0, h) + (1 - t) * std::pow((1 - t1) / (1 - t0), h) - 1;
    };
    double lo = -50, hi = -1e-9;  // drift > 0 for k > 1: the root is negative
    for (int i = 0; i < 200; ++i) {
      const double mid = (lo + hi) / 2;
      ((g(mid) > 0) == (g(lo) > 0) ? lo : hi) = mid;
    }
    const double h = (lo + hi) / 2;
    p_fail = (1 - std::exp(-h * a)) / (std::exp(h * a) - std::exp(-h * a));
  }
  const double target = p_fail * a - (1 - p_fail) * a;  // E[log LR at stopping], no overshoot
  double drift_sum = 0, canary = 0;
  const double step = 0.01;  // minutes
  for (double t = 0; t < 100000; t += step) {
    const double w = canary_weight(static_cast<int>(t) + 1);
    const double errors = s.traffic * step * (w * s.k * s.p + (1 - w) * s.p);
    const double th = theta(w, s.k), t0 = theta(w, 1), t1 = theta(w, 2);
    const double drift = th * std::log(t1 / t0) + (1 - th) * std::log((1 - t1) / (1 - t0));
    drift_sum += errors * drift;
    canary += s.traffic * step * w;
    if ((target > 0 && drift_sum >= target) || (target < 0 && drift_sum <= target)) {
      return {canary, t + step};
    }
  }
  return {NAN, NAN};
}

struct Row {
  Setting setting;
  Tally threshold, fixed, veer, veer10s;
  int fixed_minute;
  std::pair<double, double> sprt;
};

Row run(const Setting& s, int runs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Row row{s, {}, {}, {}, {}, fixed_horizon_minute(s.p, s.traffic), sprt_expectation(s)};
  stats::SequentialOptions options;
  options.alpha = kAlpha;
  const int horizon = std::max(kHorizonMinutes, row.fixed_minute);
  for (int r = 0; r < runs; ++r) {
    int failed_checks = 0;
    bool threshold_done = false, fixed_done = false, veer_done = false, veer10s_done = false;
    double ec = 0, nc = 0, ep = 0, np = 0;
    stats::SequentialState state, state10s;
    for (int minute = 1;
         minute <= horizon && !(threshold_done && fixed_done && veer_done && veer10s_done);
         ++minute) {
      const double w = canary_weight(minute);
      // Six 10-second slices make up the minute.
      Minute m{0, 0, 0, 0};
      for (int slice = 0; slice < 6; ++slice) {
        Minute part;
        part.canary_requests = static_cast<std::uint64_t>(std::llround(s.traffic * w / 6));
        part.primary_requests =
            static_cast<std::uint64_t>(std::llround(s.traffic / 6)) - part.canary_requests;
        part.canary_errors =
            std::binomial_distribution<std::uint64_t>(part.canary_requests, s.k * s.p)(rng);
        part.primary_errors =
            std::binomial_distribution<std::uint64_t>(part.primary_requests, s.p)(rng);
        if (!veer10s_done) {
          state10s = *stats::sequential_update(state10s,
                                               {part.canary_errors, part.canary_requests,
                                                part.primary_errors, part.primary_requests},
                                               options);
          const auto decision = stats::sequential_decision(state10s, options);
          if (decision != stats::SequentialDecision::Continue ||
              (minute >= kHorizonMinutes && slice == 5)) {
            row.veer10s.add(decision == stats::SequentialDecision::Fail,
                            nc + static_cast<double>(m.canary_requests + part.canary_requests),
                            minute - 1 + (slice + 1) / 6.0);
            veer10s_done = true;
          }
        }
        m.canary_requests += part.canary_requests;
        m.primary_requests += part.primary_requests;
        m.canary_errors += part.canary_errors;
        m.primary_errors += part.primary_errors;
      }
      ec += static_cast<double>(m.canary_errors);
      nc += static_cast<double>(m.canary_requests);
      ep += static_cast<double>(m.primary_errors);
      np += static_cast<double>(m.primary_requests);
      if (!threshold_done) {
        const double rate = static_cast<double>(m.canary_errors) /
                            static_cast<double>(std::max<std::uint64_t>(1, m.canary_requests));
        if (rate > 1.5 * s.p) ++failed_checks;
        if (failed_checks >= 2) {
          row.threshold.add(true, nc, minute);
          threshold_done = true;
        } else if (w >= 0.5) {
          row.threshold.add(false, nc, minute);
          threshold_done = true;
        }
      }
      if (!fixed_done && minute == row.fixed_minute) {
        row.fixed.add(z_test_rejects(ec, nc, ep, np), nc, minute);
        fixed_done = true;
      }
      if (!veer_done) {
        state = *stats::sequential_update(
            state, {m.canary_errors, m.canary_requests, m.primary_errors, m.primary_requests},
            options);
        const auto decision = stats::sequential_decision(state, options);
        if (decision != stats::SequentialDecision::Continue || minute >= kHorizonMinutes) {
          row.veer.add(decision == stats::SequentialDecision::Fail, nc, minute);
          veer_done = true;
        }
      }
    }
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::printf(
      "runs per cell: %d; alpha 1%%; schedule 10%%..50%% canary weight, 1-minute intervals\n",
      runs);
  std::printf(
      "FR = false rollbacks of good canaries (k=1), MISS = bad canaries promoted;\n"
      "req = mean canary requests to a decision, min = mean minutes to a decision.\n\n");
  std::printf(
      "| p | k | req/min | threshold FR/MISS | threshold req, min | fixed FR/MISS | fixed req, "
      "min | veer 1m FR/MISS | veer 1m req, min | veer 10s FR/MISS | veer 10s req, min | SPRT req, "
      "min | veer 1m/fixed req | veer 10s/fixed req | veer 1m/SPRT | veer 10s/SPRT |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::uint64_t seed = 20261122;
  for (double p : {0.001, 0.01}) {
    for (double traffic : {1000.0, 5000.0, 20000.0}) {
      for (double k : {1.0, 1.5, 2.0, 5.0}) {
        const Row row = run({p, k, traffic}, runs, seed++);
        auto rate = [&](const Tally& t) {
          const double rollbacks = 100.0 * t.rollbacks / runs;
          return k == 1 ? rollbacks : 100.0 - rollbacks;
        };
        auto mean = [&](double sum) { return sum / runs; };
        std::printf(
            "| %.1f%% | %.1f | %.0f | %s %.2f%% | %.0f, %.1f | %s %.2f%% | %.0f, %.1f | %s %.2f%% "
            "| "
            "%.0f, %.1f | %s %.2f%% | %.0f, %.1f | %.0f, %.2f | %.2f | %.2f | %.2f | %.2f |\n",
            100 * p, k, traffic, k == 1 ? "FR" : "MISS", rate(row.threshold),
            mean(row.threshold.canary_requests), mean(row.threshold.minutes),
            k == 1 ? "FR" : "MISS", rate(row.fixed), mean(row.fixed.canary_requests),
            mean(row.fixed.minutes), k == 1 ? "FR" : "MISS", rate(row.veer),
            mean(row.veer.canary_requests), mean(row.veer.minutes), k == 1 ? "FR" : "MISS",
            rate(row.veer10s), mean(row.veer10s.canary_requests), mean(row.veer10s.minutes),
            row.sprt.first, row.sprt.second,
            mean(row.veer.canary_requests) / mean(row.fixed.canary_requests),
            mean(row.veer10s.canary_requests) / mean(row.fixed.canary_requests),
            mean(row.veer.canary_requests) / row.sprt.first,
            mean(row.veer10s.canary_requests) / row.sprt.first);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
