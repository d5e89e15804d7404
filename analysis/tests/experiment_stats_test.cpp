// The Experiment's statistics against scipy (reference/experiment_reference.py): the rate
// confidence sequence and P(best); and the sequence's coverage over every look.
#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "analysis/experiment/probability_best.hpp"
#include "analysis/experiment/rate_sequence.hpp"

namespace ex = veer::analysis::experiment;

namespace {

const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    std::ifstream in(std::string(VEER_SOURCE_DIR) +
                     "/analysis/tests/reference/experiment_reference.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return data;
}

}  // namespace

TEST_CASE("the rate confidence sequence agrees with scipy's root of the mixture e-value") {
  for (const auto& c : reference()["sequences"]) {
    auto s = c["events"].get<std::uint64_t>();
    auto n = c["trials"].get<std::uint64_t>();
    auto ci = ex::rate_confidence_sequence(s, n, c["alpha"].get<double>());
    INFO(s << "/" << n << " alpha " << c["alpha"].get<double>());
    CHECK(ci.low == doctest::Approx(c["low"].get<double>()).epsilon(1e-7));
    CHECK(ci.high == doctest::Approx(c["high"].get<double>()).epsilon(1e-7));
  }
}

TEST_CASE("P(best) agrees with scipy's quadrature to 1e-5") {
  for (const auto& c : reference()["probability_best"]) {
    std::vector<ex::PosteriorCounts> versions;
    for (const auto& v : c["versions"]) versions.push_back({v[0], v[1], true});
    auto best = ex::probability_best(versions, c["higher_is_better"].get<bool>());
    REQUIRE(best);
    const auto& p = *best;
    auto expected = c["p_best"].get<std::vector<double>>();
    REQUIRE(p.size() == expected.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      INFO(c["versions"].dump() << " version " << i);
      CHECK(std::fabs(p[i] - expected[i]) < 1e-5);
    }
  }
}

TEST_CASE("P(best): a failed version is never best, one live version is best for sure") {
  auto p = ex::probability_best({{10, 100, false}, {50, 100, true}, {5, 100, false}}, true);
  REQUIRE(p);
  CHECK(*p == std::vector<double>{0, 1, 0});
  auto none = ex::probability_best({{10, 100, false}}, true);
  REQUIRE(none);
  CHECK(*none == std::vector<double>{0});
}

TEST_CASE("Thompson shares approach P(best) and are reproducible from the seed") {
  std::vector<ex::PosteriorCounts> v{{100, 1000, true}, {120, 1000, true}, {90, 1000, true}};
  auto best = ex::probability_best(v, true);
  REQUIRE(best);
  const auto& exact = *best;
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  auto first = ex::thompson_shares(v, true, 20000, a);
  CHECK(first == ex::thompson_shares(v, true, 20000, b));
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(std::fabs(first[i] - exact[i]) < 0.01);
}

// Anytime validity, checked: looking after every 20 trials up to 4000, the true rate leaves the
// 95% sequence at some look in at most 5% of runs (a fixed-sample interval checked at every look
// would leave it far more often). 400 seeded runs: the bound allows sampling noise of 3 sd.
TEST_CASE("the rate confidence sequence covers the true rate at every look at once") {
  const double rate = 0.1;
  const double alpha = 0.05;
  std::mt19937_64 rng(2026);
  std::bernoulli_distribution trial(rate);
  int escaped = 0;
  const int runs = 400;
  for (int r = 0; r < runs; ++r) {
    std::uint64_t s = 0;
    for (std::uint64_t n = 1; n <= 4000; ++n) {
      s += trial(rng) ? 1 : 0;
      if (n % 20) continue;
      auto ci = ex::rate_confidence_sequence(s, n, alpha);
      if (rate < ci.low || rate > ci.high) {
        ++escaped;
        break;
      }
    }
  }
  CHECK(escaped <= static_cast<int>(runs * alpha + 3 * std::sqrt(runs * alpha)));
}
