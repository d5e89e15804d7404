#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "operator/loadgen/latency_histogram.hpp"

using veer::loadgen::LatencyHistogram;

TEST_CASE("percentiles are within one 2.2% bucket above the sample quantile, never below") {
  std::mt19937 random(7);
  std::lognormal_distribution<double> latency(std::log(20.0), 0.6);  // ms
  std::vector<double> values;
  LatencyHistogram h;
  for (int i = 0; i < 20000; ++i) {
    values.push_back(latency(random));
    h.record(std::chrono::nanoseconds(static_cast<std::int64_t>(values.back() * 1e6)));
  }
  std::sort(values.begin(), values.end());
  CHECK(h.count() == 20000);
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    CAPTURE(q);
    const double exact = values[static_cast<std::size_t>(std::ceil(q * 20000)) - 1];
    CHECK(h.quantile_ms(q) >= exact * (1 - 1e-9));
    CHECK(h.quantile_ms(q) <= exact * 1.022);
  }
  CHECK(h.max_ms() == doctest::Approx(values.back()));
  CHECK(h.quantile_ms(1.0) == doctest::Approx(values.back()));
}

TEST_CASE("a rank's range holds the value, the extremes are exact and merge adds counts") {
  LatencyHistogram a, b;
  a.record(std::chrono::microseconds(1500));
  a.record(std::chrono::microseconds(3000));
  b.record(std::chrono::microseconds(250));
  b.record(std::chrono::seconds(200));  // beyond the top bucket
  a.merge(b);
  CHECK(a.count() == 4);
  CHECK(a.min_ms() == doctest::Approx(0.25));
  CHECK(a.max_ms() == doctest::Approx(200000));
  CHECK(a.rank_range(1).low_ms == doctest::Approx(0.25));
  const auto second = a.rank_range(2);
  CHECK(second.low_ms <= 1.5);
  CHECK(second.high_ms > 1.5);
  CHECK(second.high_ms / second.low_ms == doctest::Approx(std::exp2(1.0 / 32)));
  CHECK(a.rank_range(4).high_ms == doctest::Approx(200000));
  CHECK(a.mean_ms() == doctest::Approx((1.5 + 3 + 0.25 + 200000) / 4));
  std::uint64_t charted = 0;
  for (const auto& bucket : a.buckets(8)) charted += bucket.count;
  CHECK(charted == 4);
}

TEST_CASE("an empty histogram reports zeros") {
  LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.quantile_ms(0.99) == 0);
  CHECK(h.mean_ms() == 0);
  CHECK(h.buckets().empty());
}
