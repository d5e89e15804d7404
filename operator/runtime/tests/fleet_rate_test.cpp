// The client's rate under `--kube-api-qps auto`: the floor plus 4 writes per analysis interval
// of each Canary and Experiment, told to the client at each change and only then.
#include <doctest/doctest.h>

#include <vector>

#include "operator/runtime/fleet_rate.hpp"

using namespace veer;
using namespace std::chrono_literals;
using runtime::ClientRate;
using runtime::FleetRate;

namespace {

struct Recorded {
  std::vector<ClientRate> applied;
  FleetRate::Apply apply() {
    return [this](const ClientRate& r) { applied.push_back(r); };
  }
};

void check_rate(const ClientRate& rate, double qps, int burst) {
  CHECK(rate.qps == doctest::Approx(qps));
  CHECK(rate.burst == burst);
}

}  // namespace

TEST_CASE("auto: 100 a second and bursts of 250 for no Canaries, 4 writes per interval each") {
  Recorded told;
  FleetRate rate({std::nullopt, std::nullopt, 10s}, told.apply());
  REQUIRE(told.applied.size() == 1);  // at once: the client starts with the floor
  check_rate(told.applied.back(), 100, 250);

  rate.set("shop/a", 60s);
  check_rate(rate.rate(), 100 + 4.0 / 60, 251);  // the burst 2.5 times that, rounded up
  rate.set("shop/b", 30s);
  check_rate(rate.rate(), 100.2, 251);
  rate.set("shop/a", 60s);  // seen again (a resync, a status write): no change
  CHECK(told.applied.size() == 3);
  rate.set("shop/a", 10s);  // its interval shortened
  check_rate(rate.rate(), 100 + 0.4 + 4.0 / 30, 252);
  rate.set("shop/a", 1s);  // below the controller's floor: counts as 10 s, so no change
  CHECK(told.applied.size() == 4);
  rate.forget("shop/b");
  check_rate(rate.rate(), 100.4, 251);
  rate.forget("shop/a");
  rate.forget("shop/a");  // twice: nothing
  CHECK(told.applied.size() == 6);
  check_rate(told.applied.back(), 100, 250);
}

TEST_CASE("auto at fleet size: 10,000 Canaries on a 1-minute interval may all step at once") {
  Recorded told;
  FleetRate rate({std::nullopt, std::nullopt, 10s}, told.apply());
  for (int i = 0; i < 10'000; ++i) rate.set("ns-" + std::to_string(i) + "/app", 1min);
  check_rate(rate.rate(), 100 + 10'000 * 4.0 / 60, 1917);  // 766.7 a second
  CHECK(told.applied.back() == rate.rate());
  for (int i = 0; i < 5'000; ++i) rate.forget("ns-" + std::to_string(i) + "/app");
  check_rate(rate.rate(), 100 + 5'000 * 4.0 / 60, 1084);
  // Experiments count as theirs: 100 Experiments stepping every 30 s add 13.3.
  for (int i = 0; i < 100; ++i) rate.set("experiment/ns/" + std::to_string(i), 30s);
  check_rate(rate.rate(), 100 + 5'000 * 4.0 / 60 + 100 * 4.0 / 30, 1117);
}

TEST_CASE("numbers given are kept, and an auto burst follows a given QPS") {
  Recorded told;
  FleetRate pinned({700.0, 1400, 10s}, told.apply());
  for (int i = 0; i < 100; ++i) pinned.set("ns/" + std::to_string(i), 10s);
  CHECK(told.applied.size() == 1);
  check_rate(told.applied.back(), 700, 1400);

  FleetRate qps_only({4.0, std::nullopt, 10s}, nullptr);
  check_rate(qps_only.rate(), 4, 10);
  FleetRate burst_only({std::nullopt, 5, 10s}, nullptr);
  burst_only.set("ns/a", 10s);
  check_rate(burst_only.rate(), 100.4, 5);
}

TEST_CASE("the step interval of a Canary and an Experiment, 1m when unset or unreadable") {
  using runtime::canary_step_interval;
  using runtime::experiment_step_interval;
  CHECK(canary_step_interval({{"spec", {{"analysis", {{"interval", "30s"}}}}}}) == 30s);
  CHECK(canary_step_interval({{"spec", {{"analysis", {{"interval", "1m30s"}}}}}}) == 90s);
  CHECK(canary_step_interval({{"spec", {{"analysis", nlohmann::json::object()}}}}) == 1min);
  CHECK(canary_step_interval({{"spec", {{"analysis", {{"interval", "soon"}}}}}}) == 1min);
  CHECK(canary_step_interval({{"spec", {{"analysis", {{"interval", 30}}}}}}) == 1min);
  CHECK(canary_step_interval({{"spec", {{"analysis", {{"interval", "0s"}}}}}}) == 1min);
  CHECK(canary_step_interval({{"spec", "not an object"}}) == 1min);
  CHECK(experiment_step_interval({{"spec", {{"duration", {{"interval", "20s"}}}}}}) == 20s);
  CHECK(experiment_step_interval(nlohmann::json::object()) == 1min);
}

TEST_CASE("the limits are on /metrics") {
  FleetRate rate({std::nullopt, std::nullopt, 10s}, nullptr);
  rate.set("ns/a", 1s);
  const auto text = rate.prometheus_text();
  CHECK(text.find("veer_kube_api_qps_limit 100.4\n") != std::string::npos);
  CHECK(text.find("veer_kube_api_burst_limit 251\n") != std::string::npos);
}
