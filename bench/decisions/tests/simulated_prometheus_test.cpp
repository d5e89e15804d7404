// The benchmark's Prometheus stand-in: `increase` as Prometheus computes it (extrapolation to
// the window's edges, counter resets) and the query shapes the success-rate metric sends.
#include <cmath>

#include <doctest/doctest.h>

#include "bench/decisions/simulated_prometheus.hpp"

using veer::bench::increase;
using veer::bench::Sample;
using veer::bench::SimulatedPrometheus;

TEST_CASE("increase extrapolates a steady counter to the whole window") {
  // 2 requests a second, scraped every 15 s at offset 7: 90 counted in 45 s of samples.
  const std::vector<Sample> s{{7, 14}, {22, 44}, {37, 74}, {52, 104}};
  auto v = increase(s, 60, 60);
  REQUIRE(v);
  CHECK(*v == doctest::Approx(120));
}

TEST_CASE("a counter that goes down was reset: its new value is all new") {
  const std::vector<Sample> s{{7, 100}, {22, 130}, {37, 10}, {52, 40}};
  auto v = increase(s, 60, 60);
  REQUIRE(v);
  CHECK(*v == doctest::Approx(70.0 * 60 / 45));  // 30 + 10 + 30 in 45 s, over 60 s
}

TEST_CASE("a new series is not extrapolated past the point where it was zero") {
  const std::vector<Sample> s{{40, 2}, {55, 32}};  // started near t = 39
  auto v = increase(s, 60, 60);
  REQUIRE(v);
  CHECK(*v == doctest::Approx(30.0 * (15 + 1 + 5) / 15));
}

TEST_CASE("fewer than two samples in the window is no result") {
  CHECK_FALSE(increase({{7, 1}}, 60, 60));
  CHECK_FALSE(increase({{7, 1}, {22, 2}}, 120, 60));  // both outside (60, 120]
}

TEST_CASE("the success-rate queries: counts at a time, the ratio now, outages fail") {
  SimulatedPrometheus p;
  for (double t : {7.0, 22.0, 37.0, 52.0}) {
    p.scrape("app/0/ok", t, 10 * t);
    p.scrape("app/0/5xx", t, 0.1 * t);
    p.scrape("app-primary/0/ok", t, 5 * t);
  }
  p.set_now(60);
  const std::string sel = R"(reporter="destination",destination_workload=~"app")";
  auto errors = p.instant(
      "sum(increase(istio_requests_total{" + sel + R"(,response_code=~"5.*"}[60s])) or vector(0))",
      60.0);
  REQUIRE(errors);
  CHECK(*errors == doctest::Approx(6));
  auto total = p.instant("sum(increase(istio_requests_total{" + sel + "}[1m]))", 60.0);
  REQUIRE(total);
  CHECK(*total == doctest::Approx(606));
  auto rate = p.instant("sum(rate(istio_requests_total{" + sel +
                            R"(,response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{)" +
                            sel + "}[1m])) * 100",
                        std::nullopt);
  REQUIRE(rate);
  CHECK(*rate == doctest::Approx(100 * 10 / 10.1));
  // The primary has no 5xx series: zero errors with `or vector(0)`, no data without it.
  const std::string primary = R"(destination_workload=~"app-primary",response_code=~"5.*")";
  auto zero =
      p.instant("sum(increase(istio_requests_total{" + primary + "}[60s])) or vector(0)", 60.0);
  REQUIRE(zero);
  CHECK(*zero == 0);
  CHECK_FALSE(p.instant("sum(increase(istio_requests_total{" + primary + "}[60s]))", 60.0));
  // A time after now is refused (a bug in the caller), not answered.
  CHECK_FALSE(p.instant("sum(increase(istio_requests_total{" + sel + "}[60s]))", 90.0));
  p.set_down(true);
  CHECK_FALSE(p.instant("sum(increase(istio_requests_total{" + sel + "}[60s]))", 60.0));
  p.drop("app");
  p.set_down(false);
  CHECK_FALSE(p.instant("sum(increase(istio_requests_total{" + sel + "}[60s]))", 60.0));
}
