// The --slo parser, and the exact binomial and order-statistic bounds behind the verdicts,
// against scipy (values in the comments were computed with scipy.stats 1.10).
#include <doctest/doctest.h>

#include "operator/loadgen/slo.hpp"

namespace {

using veer::loadgen::LatencyHistogram;
using veer::loadgen::parse_slos;
using veer::loadgen::Slo;
using veer::loadgen::SloVerdict;

std::string parse_error(const std::string& text) {
  auto parsed = parse_slos(text);
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("parse_slos reads error rates as percentages or fractions and latency percentiles") {
  auto slos =
      parse_slos("latency-p95<=300ms, error-rate<=0.1%,latency-p99.9<=1.5s,error-rate<=0.02");
  REQUIRE(slos);
  REQUIRE(slos->size() == 4);
  CHECK((*slos)[0].kind == Slo::Kind::LatencyQuantile);
  CHECK((*slos)[0].quantile == doctest::Approx(0.95));
  CHECK((*slos)[0].limit == doctest::Approx(300));
  CHECK((*slos)[0].text == "latency-p95<=300ms");
  CHECK((*slos)[1].kind == Slo::Kind::ErrorRate);
  CHECK((*slos)[1].limit == doctest::Approx(0.001));
  CHECK((*slos)[2].quantile == doctest::Approx(0.999));
  CHECK((*slos)[2].limit == doctest::Approx(1500));
  CHECK((*slos)[3].limit == doctest::Approx(0.02));
  auto micro = parse_slos("latency-p50<=800us");
  REQUIRE(micro);
  CHECK((*micro)[0].limit == doctest::Approx(0.8));
}

TEST_CASE("parse_slos names the item and what is wrong with it") {
  CHECK(parse_error("latency-p95<=300") ==
        "item 1 \"latency-p95<=300\": \"300\" is not a duration (give a unit: us, ms or s)");
  CHECK(parse_error("error-rate<=0.1%,latency-p95>=3ms") ==
        "item 2 \"latency-p95>=3ms\": only <= is supported (an objective is an upper limit)");
  CHECK(parse_error("error-rate<=150%") ==
        "item 1 \"error-rate<=150%\": \"150%\" must lie strictly between 0 and 100%");
  CHECK(parse_error("error-rate<=abc") ==
        "item 1 \"error-rate<=abc\": \"abc\" is not a rate (e.g. 0.1% or 0.001)");
  CHECK(parse_error("latency-p100<=1s").find("the percentile must be a number in (0, 100)") !=
        std::string::npos);
  CHECK(parse_error("throughput<=5") ==
        "item 1 \"throughput<=5\": unknown objective \"throughput\" (known: error-rate, "
        "latency-pNN such as latency-p95)");
  CHECK(parse_error("error-rate<=1%,,latency-p95<=1s") == "item 2 is empty");
  CHECK(parse_error("error-rate") == "item 1 \"error-rate\": expected NAME<=LIMIT");
  CHECK(parse_error("error-rate<=") == "item 1 \"error-rate<=\": the limit after <= is missing");
  CHECK(parse_error("latency-p95<=0s") == "item 1 \"latency-p95<=0s\": \"0s\" must be above zero");
  CHECK(parse_error("") == "no objective given");
}

TEST_CASE("Clopper-Pearson bounds match scipy's beta quantiles") {
  // beta.ppf(0.95, 4, 997), beta.ppf(0.05, 3, 998), beta.ppf(0.95, 1, 3000)
  CHECK(veer::loadgen::binomial_upper_bound(3, 1000, 0.95) ==
        doctest::Approx(0.007735244718479458));
  CHECK(veer::loadgen::binomial_lower_bound(3, 1000, 0.95) ==
        doctest::Approx(0.0008181753982218001));
  CHECK(veer::loadgen::binomial_upper_bound(0, 3000, 0.95) ==
        doctest::Approx(0.0009980790119965867));
  CHECK(veer::loadgen::binomial_lower_bound(0, 3000, 0.95) == 0);
  CHECK(veer::loadgen::binomial_upper_bound(10, 10, 0.95) == 1);
}

TEST_CASE("order-statistic ranks of a quantile bound match scipy's binomial") {
  using veer::loadgen::quantile_lower_rank;
  using veer::loadgen::quantile_upper_rank;
  struct Row {
    std::uint64_t n;
    double q, confidence;
    std::optional<std::uint64_t> upper, lower;
  };
  // upper: min k with binom.cdf(k-1, n, q) >= c; lower: max k with binom.sf(k-1, n, q) >= c.
  const Row rows[] = {{100, 0.95, 0.95, 99, 91},
                      {1000, 0.99, 0.95, 996, 985},
                      {59, 0.95, 0.95, 59, 53},
                      {58, 0.95, 0.95, std::nullopt, 52},
                      {2000, 0.5, 0.99, 1053, 948},
                      {300, 0.99, 0.95, 300, 294},
                      {298, 0.99, 0.95, std::nullopt, 292}};
  for (const auto& row : rows) {
    CAPTURE(row.n);
    CAPTURE(row.q);
    CHECK(quantile_upper_rank(row.n, row.q, row.confidence) == row.upper);
    CHECK(quantile_lower_rank(row.n, row.q, row.confidence) == row.lower);
  }
  CHECK(veer::loadgen::requests_to_bound_quantile(0.95, 0.95) == 59);
  CHECK(veer::loadgen::requests_to_bound_quantile(0.99, 0.95) == 299);
}

TEST_CASE("error-rate verdicts: pass, fail and inconclusive by the exact bounds") {
  const auto slo = (*parse_slos("error-rate<=1%"))[0];
  auto pass = veer::loadgen::assess(slo, {3000, 3, nullptr}, 0.95);
  CHECK(pass.verdict == SloVerdict::Pass);  // upper bound 0.27%
  auto fail = veer::loadgen::assess(slo, {1000, 30, nullptr}, 0.95);
  CHECK(fail.verdict == SloVerdict::Fail);  // lower bound 2.2%
  CHECK(fail.estimate == doctest::Approx(0.03));
  auto few = veer::loadgen::assess(slo, {100, 0, nullptr}, 0.95);
  CHECK(few.verdict == SloVerdict::Inconclusive);  // upper bound 2.95%
  CHECK(few.reason.find("too few") != std::string::npos);
  auto none = veer::loadgen::assess(slo, {0, 0, nullptr}, 0.95);
  CHECK(none.verdict == SloVerdict::Inconclusive);
}

TEST_CASE("latency verdicts bound the percentile by order statistics") {
  const auto slo = (*parse_slos("latency-p95<=300ms"))[0];
  LatencyHistogram fast;
  for (int i = 0; i < 1000; ++i) fast.record(std::chrono::milliseconds(10 + i % 100));
  auto pass = veer::loadgen::assess(slo, {1000, 0, &fast}, 0.95);
  CHECK(pass.verdict == SloVerdict::Pass);
  REQUIRE(pass.bound_high);
  CHECK(*pass.bound_high < 115);

  LatencyHistogram slow = fast;  // 10% of requests at 400 ms: p95 is 400 ms
  for (int i = 0; i < 112; ++i) slow.record(std::chrono::milliseconds(400));
  auto fail = veer::loadgen::assess(slo, {1112, 0, &slow}, 0.95);
  CHECK(fail.verdict == SloVerdict::Fail);
  REQUIRE(fail.bound_low);
  CHECK(*fail.bound_low > 300);

  LatencyHistogram few;
  for (int i = 0; i < 40; ++i) few.record(std::chrono::milliseconds(5));
  auto inconclusive = veer::loadgen::assess(slo, {40, 0, &few}, 0.95);
  CHECK(inconclusive.verdict == SloVerdict::Inconclusive);
  CHECK(inconclusive.reason ==
        "40 timed latencies are too few to bound p95 at 95% confidence (needs 59)");
}

// The flags keep confidence in (0.5, 1) and quantiles in (0, 1); assess() itself does not rely on
// that: Boost.Math's throw on an argument outside its domain is an inconclusive verdict naming
// the computation, never an exception out of `veer experiment run`.
TEST_CASE("a bound Boost.Math cannot compute is inconclusive with the reason, never a throw") {
  const auto rate = (*parse_slos("error-rate<=1%"))[0];
  auto bad_level = veer::loadgen::assess(rate, {1000, 3, nullptr}, 1.5);
  CHECK(bad_level.verdict == SloVerdict::Inconclusive);
  CHECK_MESSAGE(bad_level.reason.find("error-rate bounds") != std::string::npos, bad_level.reason);
  CHECK_MESSAGE(bad_level.reason.find("domain") != std::string::npos, bad_level.reason);

  Slo latency = (*parse_slos("latency-p95<=300ms"))[0];
  latency.quantile = 1.5;
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.record(std::chrono::milliseconds(10));
  auto bad_quantile = veer::loadgen::assess(latency, {100, 0, &h}, 0.95);
  CHECK(bad_quantile.verdict == SloVerdict::Inconclusive);
  CHECK_MESSAGE(bad_quantile.reason.find("latency quantile bounds") != std::string::npos,
                bad_quantile.reason);
}
