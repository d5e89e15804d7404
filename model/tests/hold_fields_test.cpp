// veer's hold budget fields of spec.analysis: maxHold, maxNoData, onHoldExpired.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/canary.hpp"
#include "model/tests/support/field_errors.hpp"

using namespace veer::model;
using nlohmann::json;

using veer::model::testing::has_error;

namespace {

json canary_with(const json& analysis_extra) {
  json c = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Canary"},
      {"metadata", {{"name", "podinfo"}, {"namespace", "test"}}},
      {"spec",
       {{"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo"}}},
        {"service", {{"port", 9898}}},
        {"analysis", {{"interval", "1m"}, {"threshold", 5}, {"stepWeight", 10}}}}}};
  for (const auto& [k, v] : analysis_extra.items()) c["spec"]["analysis"][k] = v;
  return c;
}

}  // namespace

TEST_CASE("hold budget fields: unset keeps the defaults, set ones parse and write back") {
  auto plain = parse_canary(canary_with(json::object()));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.value.spec.analysis->max_hold);
  CHECK_FALSE(plain.value.spec.analysis->max_no_data);
  CHECK(plain.value.spec.analysis->on_hold_expired == OnHoldExpired::Rollback);
  CHECK_FALSE(to_json(plain.value.spec)["analysis"].contains("maxHold"));

  auto set =
      parse_canary(canary_with({{"maxHold", "45m"}, {"maxNoData", 3}, {"onHoldExpired", "pause"}}));
  REQUIRE(set.ok());
  const auto& a = *set.value.spec.analysis;
  CHECK(*a.max_hold == std::chrono::minutes(45));
  CHECK(*a.max_no_data == 3);
  CHECK(a.on_hold_expired == OnHoldExpired::Pause);
  const auto back = to_json(set.value.spec)["analysis"];
  CHECK(back["maxHold"] == "45m0s");
  CHECK(back["maxNoData"] == 3);
  CHECK(back["onHoldExpired"] == "pause");
}

TEST_CASE("hold budget fields: wrong values name the field") {
  CHECK(has_error(parse_canary(canary_with({{"onHoldExpired", "promote"}})).errors,
                  "spec.analysis.onHoldExpired"));
  CHECK(
      has_error(parse_canary(canary_with({{"maxNoData", -1}})).errors, "spec.analysis.maxNoData"));
  CHECK(has_error(parse_canary(canary_with({{"maxHold", "0s"}})).errors, "spec.analysis.maxHold"));
}
