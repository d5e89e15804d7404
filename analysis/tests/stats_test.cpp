// The statistics against reference values from scipy and R (reference/generate.py).
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "analysis/stats/bayes_binomial.hpp"
#include "analysis/stats/mann_whitney.hpp"
#include "analysis/stats/welch.hpp"

namespace stats = veer::analysis::stats;

namespace {

const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    std::ifstream in(std::string(VEER_SOURCE_DIR) +
                     "/analysis/tests/reference/stats_reference.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return data;
}

// Agreement to 1e-6 relative (absolute 1e-12 around zero).
void check_close(double actual, double expected, const std::string& what, double rel = 1e-6,
                 double abs = 1e-12) {
  INFO(what << ": actual " << actual << ", expected " << expected);
  CHECK(std::fabs(actual - expected) <= std::max(abs, rel * std::fabs(expected)));
}

}  // namespace

TEST_CASE("mann-whitney agrees with scipy and R, Hodges-Lehmann with R's root-finding") {
  for (const auto& c : reference()["mann_whitney"]) {
    const std::string name = c["name"];
    const auto candidate = c["candidate"].get<std::vector<double>>();
    const auto baseline = c["baseline"].get<std::vector<double>>();
    auto r = stats::mann_whitney(candidate, baseline, c["shift"], c["confidence"]);
    REQUIRE_MESSAGE(r.ok(), name);
    check_close(r->u_candidate, c["scipy"]["u"], name + " U");
    check_close(r->p_two_sided, c["scipy"]["p_two_sided"], name + " p two-sided");
    check_close(r->p_two_sided, c["r"]["p_two_sided"], name + " p two-sided (R)");
    check_close(r->p_greater, c["scipy"]["p_greater"], name + " p greater");
    check_close(r->p_less, c["scipy"]["p_less"], name + " p less");
    // The exact crossing points of R's statistic; R itself stops uniroot at 1e-4.
    check_close(r->hodges_lehmann, c["exact"]["estimate"], name + " HL", 1e-9, 1e-9);
    check_close(r->hodges_lehmann, c["exact"]["median_of_differences"], name + " HL median", 1e-9,
                1e-9);
    check_close(r->ci_low, c["exact"]["ci_low"], name + " CI low", 1e-9, 1e-9);
    check_close(r->ci_high, c["exact"]["ci_high"], name + " CI high", 1e-9, 1e-9);
    check_close(r->ci_low, c["r"]["ci_low"], name + " CI low (R)", 0, 1e-4);
    check_close(r->ci_high, c["r"]["ci_high"], name + " CI high (R)", 0, 1e-4);
    CHECK(r->hodges_lehmann >= double(c["exact"]["estimate_flat_low"]));
    CHECK(r->hodges_lehmann <= double(c["exact"]["estimate_flat_high"]));
  }
}

TEST_CASE("mann-whitney refuses what it cannot test") {
  CHECK_FALSE(stats::mann_whitney({}, {1, 2}).ok());
  auto tied = stats::mann_whitney({3, 3, 3}, {3, 3});
  REQUIRE_FALSE(tied.ok());
  CHECK(tied.error().message.find("tied") != std::string::npos);
  CHECK_FALSE(stats::mann_whitney({1, NAN}, {1, 2}).ok());
}

TEST_CASE("welch agrees with scipy's ttest_ind(equal_var=False)") {
  for (const auto& c : reference()["welch"]) {
    const std::string name = c["name"];
    auto r = stats::welch(c["candidate"].get<std::vector<double>>(),
                          c["baseline"].get<std::vector<double>>(), c["shift"], c["confidence"]);
    REQUIRE_MESSAGE(r.ok(), name);
    const auto& s = c["scipy"];
    check_close(r->t, s["t"], name + " t");
    check_close(r->p_two_sided, s["p_two_sided"], name + " p");
    check_close(r->p_greater, s["p_greater"], name + " p greater");
    check_close(r->degrees_of_freedom, s["df"], name + " df");
    check_close(r->difference, s["difference"], name + " difference");
    check_close(r->ci_low, s["ci_low"], name + " CI low");
    check_close(r->ci_high, s["ci_high"], name + " CI high");
  }
}

TEST_CASE("welch refuses samples too small or without variance") {
  CHECK_FALSE(stats::welch({1}, {1, 2, 3}).ok());
  CHECK_FALSE(stats::welch({2, 2}, {5, 5}).ok());
  CHECK(stats::welch({2, 2}, {5, 6}).ok());
}

TEST_CASE("welch refuses values whose variance overflows a double, it does not throw") {
  const double huge = 1e300;
  auto r = stats::welch({huge, -huge, huge}, {1, 2, 3});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("too large to compare") != std::string::npos);
  CHECK(stats::welch({1e150, 2e150, 3e150}, {1e150, 1.5e150, 2e150}).ok());
}

TEST_CASE("bayes-binomial agrees with scipy quadrature") {
  for (const auto& c : reference()["bayes_binomial"]) {
    const std::string name = c["name"];
    stats::Counts cand{c["candidate"][0], c["candidate"][1]};
    stats::Counts base{c["baseline"][0], c["baseline"][1]};
    auto r = stats::bayes_binomial(cand, base, c["margin"], c["confidence"]);
    REQUIRE_MESSAGE(r.ok(), name);
    const auto& s = c["scipy"];
    check_close(r->probability_worse, s["probability_worse"], name + " P(worse)");
    check_close(r->difference, s["difference"], name + " mean difference");
    check_close(r->ci_low, s["ci_low"], name + " CI low");
    check_close(r->ci_high, s["ci_high"], name + " CI high");
  }
}

TEST_CASE("bayes-binomial refuses more errors than requests") {
  auto r = stats::bayes_binomial({11, 10}, {1, 10});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("candidate") != std::string::npos);
}
