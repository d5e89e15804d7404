#include <doctest/doctest.h>

#include "base/time_format.hpp"
#include "operator/dashboard/history.hpp"

using namespace veer::dashboard;
using nlohmann::json;

namespace {

json canary(const std::string& phase, int weight, int failed, const std::string& look_time,
            double canary_value, double primary_value) {
  json status = {{"phase", phase}, {"canaryWeight", weight}, {"failedChecks", failed}};
  if (!look_time.empty()) {
    status["evidence"] = {
        {"time", look_time},
        {"metrics",
         {{{"name", "error-rate"},
           {"verdict", "pass"},
           {"evidence",
            {{"value", canary_value}, {"baseline_value", primary_value}, {"margin", 0.01}}}}}}};
  }
  return {{"metadata", {{"namespace", "shop"}, {"name", "web"}}}, {"status", status}};
}

TimePoint at(const std::string& text) {
  return *veer::base::parse_time(text);
}

}  // namespace

TEST_CASE("the history records weight changes, each new look once, and decisions") {
  History history;
  const auto now = at("2026-01-01T00:00:00Z");
  history.observe(canary("Initialized", 0, 0, "", 0, 0), now);
  history.observe(canary("Progressing", 10, 0, "2026-01-01T00:01:00Z", 0.01, 0.02), now);
  history.observe(canary("Progressing", 10, 0, "2026-01-01T00:01:00Z", 0.01, 0.02), now);  // same
  history.observe(canary("Progressing", 20, 0, "2026-01-01T00:02:00Z", 0.03, 0.02), now);
  history.observe(canary("Progressing", 20, 1, "2026-01-01T00:02:00Z", 0.03, 0.02), now);
  history.observe(canary("Failed", 0, 2, "2026-01-01T00:03:00Z", 0.05, 0.02), now);

  const auto record = history.record("shop", "web");
  REQUIRE(record.samples.size() == 5);
  CHECK(record.samples[1].weight == 10);
  REQUIRE(record.samples[1].metrics.count("error-rate") == 1);
  CHECK(*record.samples[1].metrics.at("error-rate").canary == 0.01);
  CHECK(*record.samples[1].metrics.at("error-rate").primary == 0.02);
  CHECK(*record.samples[1].metrics.at("error-rate").margin == 0.01);
  CHECK(record.samples[1].time == at("2026-01-01T00:01:00Z"));  // the look's own time
  CHECK(record.samples[3].metrics.empty());                     // a failed check, not a new look
  REQUIRE(record.decisions.size() == 4);
  CHECK(record.decisions[0].label == "Initialized");
  CHECK(record.decisions[1].label == "Progressing");
  CHECK(record.decisions[2].label == "failed check 1");
  CHECK(record.decisions[3].label == "Failed");
  CHECK(record.decisions[3].evidence["time"] == "2026-01-01T00:03:00Z");
  CHECK(record.decisions[2].evidence["metrics"][0]["evidence"]["value"] == 0.03);

  CHECK(history.record("shop", "other").samples.empty());
  history.forget("shop", "web");
  CHECK(history.record("shop", "web").samples.empty());
}

TEST_CASE("the history is bounded per rollout and ignores malformed statuses") {
  History history(3);
  const auto now = at("2026-01-01T00:00:00Z");
  for (int w = 1; w <= 10; ++w) history.observe(canary("Progressing", w, 0, "", 0, 0), now);
  const auto record = history.record("shop", "web");
  REQUIRE(record.samples.size() == 3);
  CHECK(record.samples.front().weight == 8);
  history.observe(json("not an object"), now);
  history.observe({{"metadata", 5}, {"status", {{"phase", 3}, {"evidence", {{"metrics", "x"}}}}}},
                  now);
}
