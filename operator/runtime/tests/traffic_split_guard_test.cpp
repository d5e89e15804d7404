// The traffic-split guard's state in the status: carried across looks and restarts, a router
// that ignores the weight held at every look with the look that fired named, a correct router
// not flagged by the look after a Prometheus outage, nothing judged outside a weighted canary
// rollout.
#include <doctest/doctest.h>

#include "operator/runtime/traffic_split_guard.hpp"

using namespace veer;

namespace {

model::Canary weighted(int weight) {
  model::Canary c;
  c.spec.target_ref = {"apps/v1", "Deployment", "podinfo", ""};
  model::Analysis a;
  a.step_weight = 10;
  c.spec.analysis = a;
  c.status.canary_weight = weight;
  return c;
}

}  // namespace

TEST_CASE("traffic split: the state goes through the status and the evidence accumulates") {
  auto canary = weighted(10);
  auto first = runtime::traffic_split_check(canary, 120, 880);  // 12% at 10%: within the band
  REQUIRE(first);
  CHECK_FALSE(first->mismatch);
  CHECK(first->evidence["state"]["looks"] == 1);
  canary.status.evidence["traffic_split"] = first->evidence;
  auto second = runtime::traffic_split_check(canary, 120, 880);
  REQUIRE(second);
  CHECK(second->evidence["state"]["looks"] == 2);
  CHECK(second->evidence["requests"] == 2000);
}

TEST_CASE("traffic split: a mismatch holds on a look without new counts") {
  auto canary = weighted(20);
  auto proven = runtime::traffic_split_check(canary, 700, 300);
  REQUIRE(proven);
  REQUIRE(proven->mismatch);
  CHECK(proven->message.find("veer set the canary weight to 20% but the canary received 70.0% "
                             "of 1000 requests") != std::string::npos);
  canary.status.evidence["traffic_split"] = proven->evidence;
  auto later = runtime::traffic_split_check(canary, std::nullopt, std::nullopt);
  REQUIRE(later);
  CHECK(later->mismatch);
}

TEST_CASE("traffic split: blue/green, A/B and weights 0 or 100 are not judged") {
  auto canary = weighted(0);
  CHECK_FALSE(runtime::traffic_split_check(canary, 10, 990));
  canary.status.canary_weight = 100;
  CHECK_FALSE(runtime::traffic_split_check(canary, 1000, 0));
  auto bg = weighted(10);
  bg.spec.analysis->step_weight = 0;
  bg.spec.analysis->iterations = 5;
  CHECK_FALSE(runtime::traffic_split_check(bg, 100, 900));
}

TEST_CASE(
    "traffic split: a router that ignores the weight holds at every look, naming the look "
    "that fired") {
  auto canary = weighted(10);
  for (int look = 1; look <= 5; ++look) {
    CAPTURE(look);
    auto check = runtime::traffic_split_check(canary, 500, 500);  // half of the requests
    REQUIRE(check);
    CHECK(check->mismatch);
    CHECK(check->evidence["fired"]["look"] == 1);
    CHECK(check->evidence["fired"]["requests"] == 1000);
    CHECK(check->message.find("fired at look 1 of the guard (50.0% of 1000 requests at weight "
                              "10%, e-value ") != std::string::npos);
    canary.status.evidence["traffic_split"] = check->evidence;
  }
  CHECK(canary.status.evidence["traffic_split"]["requests"] == 5000);
}

TEST_CASE("traffic split: a correct router is not flagged by the look after an outage") {
  auto canary = weighted(10);
  auto before = runtime::traffic_split_check(canary, 100, 900);
  REQUIRE(before);
  canary.status.evidence["traffic_split"] = before->evidence;
  // The look after 3 looks without data: a canary pod restarted inside the scrape gap and
  // counted past its last scraped value, so Prometheus sees no reset and undercounts it.
  const std::uint64_t canary_after_gap = 20, primary_after_gap = 3980;
  auto biased = runtime::traffic_split_check(canary, canary_after_gap, primary_after_gap, false);
  REQUIRE(biased);
  CHECK(biased->mismatch);  // counted, this look alone would fire
  auto skipped = runtime::traffic_split_check(canary, canary_after_gap, primary_after_gap, true);
  REQUIRE(skipped);
  CHECK_FALSE(skipped->mismatch);
  CHECK(skipped->evidence["state"]["looks"] == 1);  // not added
  CHECK(skipped->evidence["requests"] == 1000);
  CHECK(skipped->evidence["skipped_look"].get<std::string>().find("spans looks without data") !=
        std::string::npos);
  canary.status.evidence["traffic_split"] = skipped->evidence;
  auto next = runtime::traffic_split_check(canary, 101, 899);
  REQUIRE(next);
  CHECK_FALSE(next->mismatch);
  CHECK(next->evidence["state"]["looks"] == 2);
}
