// The sequential binomial test: error control under continuous monitoring, power, resumable state.
#include <cmath>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "analysis/comparison.hpp"
#include "analysis/sequential_status.hpp"
#include "analysis/stats/sequential_binomial.hpp"

namespace stats = veer::analysis::stats;

namespace {

struct Outcomes {
  int fail = 0;
  int pass = 0;
  int undecided = 0;
};

// Simulates rollouts whose canary share grows 5% per minute to 50%, looking after every minute.
Outcomes simulate(double primary_rate, double ratio, int runs, const stats::SequentialOptions& o,
                  std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Outcomes out;
  for (int run = 0; run < runs; ++run) {
    stats::SequentialState state;
    auto decision = stats::SequentialDecision::Continue;
    for (int minute = 0; minute < 60 && decision == stats::SequentialDecision::Continue; ++minute) {
      const double share = std::min(0.5, 0.05 * (minute + 1));
      const std::uint64_t requests = 2000;
      const auto canary = static_cast<std::uint64_t>(requests * share);
      const auto primary = requests - canary;
      std::binomial_distribution<std::uint64_t> canary_errors(canary, primary_rate * ratio);
      std::binomial_distribution<std::uint64_t> primary_errors(primary, primary_rate);
      auto next = stats::sequential_update(
          state, {canary_errors(rng), canary, primary_errors(rng), primary}, o);
      REQUIRE(next.ok());
      state = *next;
      decision = stats::sequential_decision(state, o);
    }
    if (decision == stats::SequentialDecision::Fail) ++out.fail;
    if (decision == stats::SequentialDecision::Pass) ++out.pass;
    if (decision == stats::SequentialDecision::Continue) ++out.undecided;
  }
  return out;
}

}  // namespace

TEST_CASE("looking every minute, a good canary is failed at most alpha of the time") {
  stats::SequentialOptions options;
  options.alpha = 0.05;
  const auto good = simulate(0.01, 1.0, 2000, options, 7);
  CHECK(good.fail <= 0.05 * 2000);
  CHECK(good.pass >= 0.9 * 2000);  // and is proven no worse than twice as bad, mostly
  // A canary that is better than the primary is failed even less often.
  const auto better = simulate(0.01, 0.7, 1000, options, 8);
  CHECK(better.fail <= 0.05 * 1000);
}

TEST_CASE("a canary with three times the errors is failed early") {
  stats::SequentialOptions options;
  options.alpha = 0.05;
  const auto bad = simulate(0.01, 3.0, 1000, options, 9);
  CHECK(bad.fail >= 0.95 * 1000);
  CHECK(bad.pass <= 0.05 * 1000);
}

TEST_CASE("a relative margin tolerates a canary within it") {
  stats::SequentialOptions options;
  options.alpha = 0.05;
  options.relative_margin = 0.5;  // 50% more errors are acceptable
  const auto within = simulate(0.01, 1.5, 1000, options, 10);
  CHECK(within.fail <= 0.05 * 1000);
}

TEST_CASE("the state resumes: updating one interval at a time equals a restart from the status") {
  stats::SequentialOptions options;
  const std::vector<stats::IntervalCounts> intervals{
      {3, 100, 20, 900}, {5, 200, 15, 800}, {0, 0, 0, 0}, {9, 300, 14, 700}};
  stats::SequentialState live;
  for (const auto& i : intervals) live = *stats::sequential_update(live, i, options);
  // A new operator reads the few numbers back from the status and continues.
  stats::SequentialState stored = *stats::sequential_update({}, intervals[0], options);
  stats::SequentialState restored{stored.ratio_ok,     stored.log_lr,         stored.canary_errors,
                                  stored.canary_total, stored.primary_errors, stored.primary_total,
                                  stored.looks};
  for (std::size_t i = 1; i < intervals.size(); ++i) {
    restored = *stats::sequential_update(restored, intervals[i], options);
  }
  CHECK(restored.log_lr == doctest::Approx(live.log_lr).epsilon(1e-15));
  CHECK(restored.canary_errors == 17);
  CHECK(restored.primary_total == 2400);
  CHECK(restored.looks == 4);
}

TEST_CASE("an absolute margin is fixed as a ratio once the primary has errors") {
  stats::SequentialOptions options;
  options.absolute_margin = 0.01;
  auto s = *stats::sequential_update({}, {0, 100, 0, 100}, options);
  CHECK(s.ratio_ok == 0);  // no primary errors yet: no ratio, no evidence
  CHECK(s.log_lr == 0);
  s = *stats::sequential_update(s, {1, 100, 2, 100}, options);
  CHECK(s.ratio_ok == doctest::Approx((0.01 + 0.01) / 0.01));  // primary rate 2/200
  const double fixed = s.ratio_ok;
  s = *stats::sequential_update(s, {9, 100, 1, 100}, options);
  CHECK(s.ratio_ok == fixed);
}

TEST_CASE("impossible counts are an error, not evidence") {
  auto r = stats::sequential_update({}, {5, 4, 0, 10}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("more errors than requests") != std::string::npos);
}

TEST_CASE("Wald's expected sample size: larger regressions need fewer errors") {
  const double at2 = stats::sprt_expected_errors(1, 2, 2, 0.1, 0.01);
  const double at5 = stats::sprt_expected_errors(1, 2, 5, 0.1, 0.01);
  const double at1 = stats::sprt_expected_errors(1, 2, 1, 0.1, 0.01);
  CHECK(at5 < at2);
  CHECK(at2 > 0);
  CHECK(at1 > 0);
  // At the alternative, E[N] ≈ log(1/α) / KL(θ1 || θ0) (boundary reached with probability 1-α).
  const double t0 = 0.1, t1 = 0.2 / 1.1;
  const double kl = t1 * std::log(t1 / t0) + (1 - t1) * std::log((1 - t1) / (1 - t0));
  CHECK(at2 == doctest::Approx((0.99 * std::log(100) - 0.01 * std::log(100)) / kl).epsilon(1e-3));
}

TEST_CASE("the comparison reports evidence and keeps its state") {
  veer::model::Comparison comparison;
  comparison.test = veer::model::ComparisonTest::SequentialBinomial;
  stats::SequentialState state;
  auto result = veer::analysis::compare_sequential(comparison, state, {{60, 1000, 10, 1000}});
  CHECK(result.verdict == veer::analysis::Verdict::Fail);
  CHECK(*result.evidence.e_value >= 20);
  CHECK(*result.evidence.estimate == doctest::Approx(0.05));
  CHECK(state.canary_errors == 60);
  comparison.min_samples = 5000;
  stats::SequentialState fresh;
  result = veer::analysis::compare_sequential(comparison, fresh, {{60, 1000, 10, 1000}});
  CHECK(result.verdict == veer::analysis::Verdict::Inconclusive);
  stats::SequentialState empty;
  result = veer::analysis::compare_sequential(comparison, empty, {{0, 0, 0, 0}});
  CHECK(result.verdict == veer::analysis::Verdict::NoData);
}

TEST_CASE("the state survives the Canary status as JSON, and a bad status is an error") {
  stats::SequentialState s;
  s = *stats::sequential_update(s, {7, 300, 20, 2700}, {});
  const auto json = veer::analysis::to_json(s);
  auto back = veer::analysis::parse_sequential_state(nlohmann::json::parse(json.dump()));
  REQUIRE(back.ok());
  CHECK(back->log_lr == s.log_lr);
  CHECK(back->ratio_ok == s.ratio_ok);
  CHECK(back->primary_total == 2700);
  CHECK(back->looks == 1);
  auto broken = json;
  broken["canaryTotal"] = -3;
  auto bad = veer::analysis::parse_sequential_state(broken);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("canaryTotal") != std::string::npos);
}

TEST_CASE("the interval that fixes an absolute margin is not judged by it again") {
  // The primary's one error in 1000 fixes r_ok = (0.001 + 0.001) / 0.001 = 2. Had the same
  // interval also entered the likelihood ratio, its low primary count would have failed the
  // canary at once: 20·log(0.8/(2/3)) + log(0.2/(1/3)) = 3.14 >= log(1/0.05).
  stats::SequentialOptions options;
  options.absolute_margin = 0.001;
  auto s = *stats::sequential_update({}, {20, 1000, 1, 1000}, options);
  CHECK(s.ratio_ok == doctest::Approx(2));
  CHECK(s.log_lr == 0);
  CHECK(s.canary_errors == 20);  // still shown in the evidence
  CHECK(stats::sequential_decision(s, options) == stats::SequentialDecision::Continue);
  const double reused = 20 * std::log(0.8 / (2.0 / 3)) + std::log(0.2 / (1.0 / 3));
  CHECK(reused >= std::log(1 / options.alpha));
  // The next interval is judged against the fixed ratio.
  s = *stats::sequential_update(s, {20, 1000, 1, 1000}, options);
  CHECK(s.log_lr == doctest::Approx(reused));
  // A relative margin needs no data: the first interval counts.
  stats::SequentialOptions relative;
  relative.relative_margin = 1.0;
  CHECK(stats::sequential_update({}, {20, 1000, 1, 1000}, relative)->log_lr ==
        doctest::Approx(reused));
}

TEST_CASE("a status written by the previous version resumes with the same arithmetic") {
  // The JSON keys are unchanged: a calibrated state continues exactly.
  const auto old = nlohmann::json::parse(
      R"({"ratioOk": 2.0, "logLikelihoodRatio": 1.25, "canaryErrors": 30, "canaryTotal": 3000,)"
      R"( "primaryErrors": 12, "primaryTotal": 6000, "looks": 3})");
  auto state = veer::analysis::parse_sequential_state(old);
  REQUIRE(state.ok());
  stats::SequentialOptions options;
  options.absolute_margin = 0.002;
  auto next = stats::sequential_update(*state, {10, 1000, 3, 1000}, options);
  REQUIRE(next.ok());
  CHECK(next->ratio_ok == 2.0);
  CHECK(next->log_lr ==
        doctest::Approx(1.25 + 10 * std::log(0.8 / (2.0 / 3)) + 3 * std::log(0.2 / (1.0 / 3))));
  CHECK(next->looks == 4);
  CHECK(veer::analysis::to_json(*next)["ratioOk"] == 2.0);
}
