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
//   SPRT 1m    Wald's SPRT (r0 = 1, r1 = 2, alpha = beta = 1%, boundaries ln((1-beta)/alpha) and
//              ln(beta/(1-alpha))) simulated on the same streams, deciding only at the 1-minute
//              looks: "how fast can one be" when the data arrive once a minute.
//   first look the canary requests of the first 1-minute look: no test that decides at looks can
//              use fewer, whatever its boundaries or alternative.
// A second table asks whether another alternative helps with 1-minute looks: the Fail side of the
// test as an SPRT against r1 = 1.5, 1.75, 2.5, or an equal-weight mixture of likelihood ratios
// (still a test martingale under r <= 1, so still anytime-valid), with the Pass side unchanged.
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
  Tally threshold, fixed, veer, veer10s, grouped_sprt;
  int fixed_minute;
  std::pair<double, double> sprt;
};

Row run(const Setting& s, int runs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Row row{s, {}, {}, {}, {}, {}, fixed_horizon_minute(s.p, s.traffic), sprt_expectation(s)};
  const double wald_fail = std::log((1 - kAlpha) / kAlpha),
               wald_pass = std::log(kAlpha / (1 - kAlpha));
  stats::SequentialOptions options;
  options.alpha = kAlpha;
  const int horizon = std::max(kHorizonMinutes, row.fixed_minute);
  for (int r = 0; r < runs; ++r) {
    int failed_checks = 0;
    bool threshold_done = false, fixed_done = false, veer_done = false, veer10s_done = false,
         grouped_done = false;
    double ec = 0, nc = 0, ep = 0, np = 0;
    stats::SequentialState state, state10s;
    for (int minute = 1; minute <= horizon && !(threshold_done && fixed_done && veer_done &&
                                                veer10s_done && grouped_done);
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
      if (!veer_done || !grouped_done) {
        // The same log likelihood ratio serves veer (boundaries ±ln(1/alpha)) and Wald's SPRT.
        state = *stats::sequential_update(
            state, {m.canary_errors, m.canary_requests, m.primary_errors, m.primary_requests},
            options);
      }
      if (!veer_done) {
        const auto decision = stats::sequential_decision(state, options);
        if (decision != stats::SequentialDecision::Continue || minute >= kHorizonMinutes) {
          row.veer.add(decision == stats::SequentialDecision::Fail, nc, minute);
          veer_done = true;
        }
      }
      if (!grouped_done &&
          (state.log_lr >= wald_fail || state.log_lr <= wald_pass || minute >= kHorizonMinutes)) {
        row.grouped_sprt.add(state.log_lr >= wald_fail, nc, minute);
        grouped_done = true;
      }
    }
  }
  return row;
}

// The alternatives sweep: one (traffic, k) cell at p = 1%, every variant on the same streams.
struct Variant {
  const char* name;
  std::vector<double> fail_ratios;  // mixture components (equal weights) for the Fail side
};

void alternatives_table(int runs) {
  const std::vector<Variant> variants{{"r1=2 (veer)", {2.0}},    {"r1=1.5", {1.5}},
                                      {"r1=1.75", {1.75}},       {"r1=2.5", {2.5}},
                                      {"mix 1.5,2", {1.5, 2.0}}, {"mix 1.5,2,3", {1.5, 2.0, 3.0}}};
  const double p = 0.01, bound = std::log(1 / kAlpha);
  std::printf(
      "\nFail-side alternative at p = 1%% with 1-minute looks (Pass side: r1 = 2); each "
      "cell: FR or MISS, mean canary requests.\n\n| req/min | k |");
  for (const auto& v : variants) std::printf(" %s |", v.name);
  std::printf("\n|---|---|");
  for (std::size_t i = 0; i < variants.size(); ++i) std::printf("---|");
  std::printf("\n");
  auto theta = [](double w, double r) { return w * r / (w * r + (1 - w)); };
  for (double traffic : {1000.0, 5000.0, 20000.0}) {
    for (double k : {1.0, 1.5, 2.0, 5.0}) {
      std::printf("| %.0f | %.1f |", traffic, k);
      for (const auto& v : variants) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(traffic * 10 + k * 100));
        int rollbacks = 0;
        double requests = 0;
        for (int r = 0; r < runs; ++r) {
          std::vector<double> log_fail(v.fail_ratios.size(), 0.0);
          double log_pass = 0, canary = 0;
          for (int minute = 1; minute <= kHorizonMinutes; ++minute) {
            const double w = canary_weight(minute);
            const auto nc = static_cast<std::uint64_t>(std::llround(traffic * w));
            const auto np = static_cast<std::uint64_t>(std::llround(traffic)) - nc;
            const auto ec =
                static_cast<double>(std::binomial_distribution<std::uint64_t>(nc, k * p)(rng));
            const auto ep =
                static_cast<double>(std::binomial_distribution<std::uint64_t>(np, p)(rng));
            canary += static_cast<double>(nc);
            const double t0 = theta(w, 1);
            double mixture = 0;
            for (std::size_t i = 0; i < log_fail.size(); ++i) {
              const double t1 = theta(w, v.fail_ratios[i]);
              log_fail[i] += ec * std::log(t1 / t0) + ep * std::log((1 - t1) / (1 - t0));
              mixture += std::exp(log_fail[i]) / static_cast<double>(log_fail.size());
            }
            const double t2 = theta(w, 2);
            log_pass += ec * std::log(t0 / t2) + ep * std::log((1 - t0) / (1 - t2));
            if (std::log(mixture) >= bound) {
              ++rollbacks;
              break;
            }
            if (log_pass >= bound) break;
          }
          requests += canary;
        }
        const double rate = 100.0 * rollbacks / runs;
        std::printf(" %s %.2f%%, %.0f |", k == 1 ? "FR" : "MISS", k == 1 ? rate : 100 - rate,
                    requests / runs);
      }
      std::printf("\n");
    }
  }
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
  std::vector<Row> rows;
  std::uint64_t seed = 20261122;
  for (double p : {0.001, 0.01}) {
    for (double traffic : {1000.0, 5000.0, 20000.0}) {
      for (double k : {1.0, 1.5, 2.0, 5.0}) rows.push_back(run({p, k, traffic}, runs, seed++));
    }
  }
  auto label = [](const Row& row) { return row.setting.k == 1 ? "FR" : "MISS"; };
  auto rate = [&](const Row& row, const Tally& t) {
    const double rollbacks = 100.0 * t.rollbacks / runs;
    return row.setting.k == 1 ? rollbacks : 100.0 - rollbacks;
  };
  auto mean = [&](double sum) { return sum / runs; };
  std::printf(
      "| p | k | req/min | threshold FR/MISS | threshold req, min | fixed FR/MISS | fixed req, "
      "min | veer 1m FR/MISS | veer 1m req, min | veer 10s FR/MISS | veer 10s req, min | SPRT 1m "
      "FR/MISS | SPRT 1m req, min | SPRT (analytic) req, min |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& row : rows) {
    const auto& s = row.setting;
    std::printf(
        "| %.1f%% | %.1f | %.0f | %s %.2f%% | %.0f, %.1f | %s %.2f%% | %.0f, %.1f | %s %.2f%% | "
        "%.0f, %.1f | %s %.2f%% | %.0f, %.1f | %s %.2f%% | %.0f, %.1f | %.0f, %.2f |\n",
        100 * s.p, s.k, s.traffic, label(row), rate(row, row.threshold),
        mean(row.threshold.canary_requests), mean(row.threshold.minutes), label(row),
        rate(row, row.fixed), mean(row.fixed.canary_requests), mean(row.fixed.minutes), label(row),
        rate(row, row.veer), mean(row.veer.canary_requests), mean(row.veer.minutes), label(row),
        rate(row, row.veer10s), mean(row.veer10s.canary_requests), mean(row.veer10s.minutes),
        label(row), rate(row, row.grouped_sprt), mean(row.grouped_sprt.canary_requests),
        mean(row.grouped_sprt.minutes), row.sprt.first, row.sprt.second);
  }
  std::printf(
      "\nRequests relative to the fixed-horizon test and to SPRT (analytic: continuous "
      "monitoring; 1m: the same 1-minute looks as veer). first look = canary requests at the "
      "first 1-minute look, a floor for any test that decides at looks.\n\n");
  std::printf(
      "| p | k | req/min | veer 1m/fixed | veer 10s/fixed | veer 1m/SPRT analytic | veer 10s/SPRT "
      "analytic | first look/SPRT analytic | veer 1m/SPRT 1m |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& row : rows) {
    const auto& s = row.setting;
    const double veer = mean(row.veer.canary_requests);
    const double veer10s = mean(row.veer10s.canary_requests);
    const double fixed = mean(row.fixed.canary_requests);
    const double first_look = std::round(s.traffic * canary_weight(1));
    std::printf("| %.1f%% | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", 100 * s.p,
                s.k, s.traffic, veer / fixed, veer10s / fixed, veer / row.sprt.first,
                veer10s / row.sprt.first, first_look / row.sprt.first,
                veer / mean(row.grouped_sprt.canary_requests));
  }
  // The target, at p = 1%, k = 2 (false rollbacks from the k = 1 row of each traffic).
  std::printf("\nTarget at p = 1%%, k = 2 (FR from k = 1):\n\n");
  std::printf(
      "| req/min | FR <= 1%% | detection >= 99%% | <= 50%% of fixed req | <= 1.3x SPRT analytic "
      "| <= 1.3x SPRT 1m |\n|---|---|---|---|---|---|\n");
  for (const auto& row : rows) {
    const auto& s = row.setting;
    if (s.p != 0.01 || s.k != 2) continue;
    const Row* good = nullptr;
    for (const auto& other : rows) {
      if (other.setting.p == s.p && other.setting.traffic == s.traffic && other.setting.k == 1)
        good = &other;
    }
    const double fr = 100.0 * good->veer.rollbacks / runs;
    const double detection = 100.0 * row.veer.rollbacks / runs;
    const double veer = mean(row.veer.canary_requests);
    const double to_fixed = veer / mean(row.fixed.canary_requests);
    const double to_sprt = veer / row.sprt.first;
    const double to_grouped = veer / mean(row.grouped_sprt.canary_requests);
    auto mark = [](bool ok) { return ok ? "yes" : "**no**"; };
    std::printf("| %.0f | %s (%.2f%%) | %s (%.2f%%) | %s (%.2f) | %s (%.2f) | %s (%.2f) |\n",
                s.traffic, mark(fr <= 1), fr, mark(detection >= 99), detection,
                mark(to_fixed <= 0.5), to_fixed, mark(to_sprt <= 1.3), to_sprt,
                mark(to_grouped <= 1.3), to_grouped);
  }
  alternatives_table(runs);
  return 0;
}
