// The Experiment fields veer's statistics read (issue 16): guardrail margins and direction, the
// confidence, the adaptive strategies' burn-in and floor, with their defaults and rules.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/experiment.hpp"
#include "model/tests/support/field_errors.hpp"

using nlohmann::json;
using namespace veer::model;

using veer::model::testing::has_error;

namespace {

json statistics_experiment() {
  return json::parse(R"json({
  "apiVersion": "veer.dev/v1beta1", "kind": "Experiment",
  "metadata": {"name": "checkout", "namespace": "shop"},
  "spec": {
    "provider": "istio",
    "service": {"port": 80},
    "baseline": {"name": "v1", "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "v1"}},
    "candidates": [{"name": "v2", "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "v2"}}],
    "metrics": [{"name": "request-success-rate"},
                {"name": "conversion", "query": "sum(rate(orders[1m]))"}],
    "criteria": {"objectives": [{"metric": "request-success-rate", "lowerLimit": 99}],
                 "rewards": [{"metric": "conversion", "preferred": "high"}]},
    "strategy": {"testingPattern": "abn", "traffic": "thompson"}
  }
})json");
}

}  // namespace

TEST_CASE("Experiment statistics fields: defaults") {
  auto parsed = parse_experiment(statistics_experiment());
  REQUIRE(parsed.ok());
  const auto& s = parsed.value.spec;
  CHECK(s.criteria.confidence == 0.99);
  CHECK(s.strategy.burn_in_iterations == 2);
  CHECK(s.strategy.min_weight == 10);
  const auto& o = s.criteria.objectives[0];
  CHECK_FALSE(o.margin);
  CHECK_FALSE(o.relative_margin);
  CHECK(o.preferred == Direction::HigherIsBetter);  // implied by lowerLimit alone
}

TEST_CASE("Experiment statistics fields: a margin alone is an objective, with its direction") {
  auto j = statistics_experiment();
  j["spec"]["criteria"]["objectives"][0] = {
      {"metric", "request-success-rate"}, {"relativeMargin", 0.2}, {"preferred", "high"}};
  j["spec"]["criteria"]["confidence"] = 0.95;
  j["spec"]["strategy"]["burnInIterations"] = 4;
  j["spec"]["strategy"]["minWeight"] = 10;
  auto parsed = parse_experiment(j);
  REQUIRE(parsed.ok());
  const auto& s = parsed.value.spec;
  CHECK(s.criteria.objectives[0].relative_margin == 0.2);
  CHECK(s.criteria.objectives[0].preferred == Direction::HigherIsBetter);
  CHECK(s.criteria.confidence == 0.95);
  CHECK(s.strategy.burn_in_iterations == 4);
  CHECK(s.strategy.min_weight == 10);
}

TEST_CASE("Experiment statistics fields: rules") {
  auto j = statistics_experiment();
  j["spec"]["criteria"]["objectives"][0] = {
      {"metric", "request-success-rate"}, {"margin", 0.5}, {"relativeMargin", -1}};
  j["spec"]["criteria"]["confidence"] = 1;
  j["spec"]["strategy"]["minWeight"] = 60;
  j["spec"]["strategy"]["burnInIterations"] = -1;
  auto e = parse_experiment(j).errors;
  CHECK(has_error(e, "spec.criteria.objectives[0].relativeMargin", "not both"));
  CHECK(has_error(e, "spec.criteria.objectives[0].relativeMargin", "negative"));
  CHECK(has_error(e, "spec.criteria.objectives[0].preferred", "is required with a margin"));
  CHECK(has_error(e, "spec.criteria.confidence", "below 1"));
  CHECK(has_error(e, "spec.strategy.minWeight", "0..50"));
  CHECK(has_error(e, "spec.strategy.burnInIterations", "negative"));

  j = statistics_experiment();
  j["spec"]["criteria"]["objectives"][0] = {{"metric", "request-success-rate"}};
  j["spec"]["criteria"]["rewards"] = json::array();
  j["spec"]["strategy"]["traffic"] = "uniform";
  e = parse_experiment(j).errors;
  CHECK(has_error(e, "spec.criteria.objectives[0]", "margin or relativeMargin"));
}
