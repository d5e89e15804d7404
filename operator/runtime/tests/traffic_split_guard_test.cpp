// The traffic-split guard's state in the status: carried across looks and restarts, a mismatch
// kept for the run, nothing judged outside a weighted canary rollout.
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

TEST_CASE("traffic split: a proven mismatch is kept for the run, even without new counts") {
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
