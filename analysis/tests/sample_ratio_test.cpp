// The traffic-split guard's statistic: type-I error under the right split (seeded simulation),
// detection of a router that ignores the weight, and its state across weight changes.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "analysis/stats/sample_ratio.hpp"

using namespace veer::analysis::stats;

namespace {

// One rollout: 10%..50% in 10% steps, `looks_per_step` looks of `requests` each, the canary
// receiving `share(w)` of them. Returns true when the guard raised a mismatch.
template <class Share>
bool mismatch_in_rollout(std::mt19937_64& rng, int requests, int looks_per_step, Share share) {
  SampleRatioState state;
  for (int step = 1; step <= 5; ++step) {
    const double w = step / 10.0;
    for (int look = 0; look < looks_per_step; ++look) {
      std::binomial_distribution<std::uint64_t> split(requests, share(w));
      const auto canary = split(rng);
      auto next = sample_ratio_update(state, w, canary, requests - canary);
      REQUIRE(next.ok());
      state = *next;
      if (state.mismatch) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("sample ratio: the right split raises no mismatch beyond alpha, even at the band edge") {
  std::mt19937_64 rng(20261126);
  const int runs = 2000;
  int exact = 0, edge = 0;
  for (int i = 0; i < runs; ++i) {
    exact += mismatch_in_rollout(rng, 2000, 4, [](double w) { return w; });
    // The largest share the null allows: w + 0.2·min(w, 1 − w).
    edge +=
        mismatch_in_rollout(rng, 2000, 4, [](double w) { return w + 0.2 * std::min(w, 1 - w); });
  }
  // alpha = 0.001: at most 2 expected in 2000 runs; 6 would be a 1-in-1000 event at alpha.
  CHECK(exact <= 6);
  CHECK(edge <= 6);
}

TEST_CASE("sample ratio: a router that ignores the weight is caught at the first look") {
  std::mt19937_64 rng(7);
  int caught_first = 0;
  for (int i = 0; i < 200; ++i) {
    SampleRatioState state;
    std::binomial_distribution<std::uint64_t> split(1000, 0.5);  // half the pods are the canary
    const auto canary = split(rng);
    auto next = sample_ratio_update(state, 0.1, canary, 1000 - canary);
    REQUIRE(next.ok());
    caught_first += next->mismatch;
  }
  CHECK(caught_first == 200);
}

TEST_CASE("sample ratio: a query selecting the wrong pods (share off by half) is caught") {
  std::mt19937_64 rng(11);
  int caught = 0;
  for (int i = 0; i < 200; ++i)
    caught += mismatch_in_rollout(rng, 500, 3, [](double w) { return w / 2; });
  CHECK(caught >= 198);
}

TEST_CASE("sample ratio: a weight change closes the segment and keeps its evidence") {
  SampleRatioState state;
  state = *sample_ratio_update(state, 0.1, 150, 850);  // 15% at 10%: evidence, not yet proof
  CHECK_FALSE(state.mismatch);
  const double before = sample_ratio_log_e(state);
  CHECK(before > 0);
  state = *sample_ratio_update(state, 0.2, 0, 0);
  CHECK(state.weight == 0.2);
  CHECK(state.total == 0);
  CHECK(state.log_e_closed == doctest::Approx(before));
  CHECK(state.looks == 2);
}

TEST_CASE(
    "sample ratio: one biased look is outweighed by the looks after it, the firing look "
    "is kept") {
  SampleRatioState state;
  // No request at all reached the canary at 10%: fires. (A milder first look, 3% at 10%, is
  // outweighed by a single right look: 6.5% of 2,000 is within reach of the band's edge, 8%.)
  state = *sample_ratio_update(state, 0.1, 0, 1000);
  REQUIRE(state.mismatch);
  CHECK(state.fired_look == 1);
  CHECK(state.fired_total == 1000);
  CHECK(state.fired_canary == 0);
  CHECK(state.fired_weight == 0.1);
  const double fired = state.fired_log_e;
  CHECK(fired >= std::log(1000.0));
  int cleared_at = 0;
  for (int look = 2; look <= 20 && !cleared_at; ++look) {
    state = *sample_ratio_update(state, 0.1, 100, 900);  // the right share from now on
    if (!state.mismatch) cleared_at = look;
  }
  CHECK(cleared_at > 2);    // one right look does not outweigh it
  CHECK(cleared_at <= 12);  // ten do: 9.3% of 10,000 is inside the band
  CHECK(state.fired_look == 1);
  CHECK(state.fired_log_e == fired);
}

TEST_CASE("sample ratio: a router that ignores the weight stays flagged look after look") {
  std::mt19937_64 rng(3);
  SampleRatioState state;
  for (int look = 1; look <= 30; ++look) {
    std::binomial_distribution<std::uint64_t> split(100, 0.5);  // 100 requests a look
    const auto canary = split(rng);
    state = *sample_ratio_update(state, 0.1, canary, 100 - canary);
    if (look >= 2) CHECK(state.mismatch);
  }
  CHECK(state.fired_look <= 2);
}

TEST_CASE("sample ratio: a share outside (0, 1) is an error, not a verdict") {
  CHECK_FALSE(sample_ratio_update({}, 0.0, 10, 10).ok());
  CHECK_FALSE(sample_ratio_update({}, 1.0, 10, 10).ok());
  CHECK(sample_ratio_update({}, 0.5, 10, 10).ok());
}
