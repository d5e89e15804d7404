// Real traffic end to end (issue 15): `veer operator` on a real kube-apiserver with the upstream
// Istio CRDs, steering real requests through nginx to sample app processes, judged by veer's
// built-in istio queries against a real Prometheus that scrapes those apps. Each case asserts
// the phase sequence, the VirtualService weights at each step, and the split measured at the
// apps themselves.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "e2e/traffic/tests/support/loopback.hpp"
#include "e2e/traffic/tests/support/traffic_rollout.hpp"
#include "testing/skip.hpp"

namespace veer::e2e::traffic {
namespace {

constexpr const char* kStable = "ghcr.io/veer-e2e/sample-v1:good";
constexpr const char* kGood = "ghcr.io/veer-e2e/sample-v2:good";
constexpr const char* kErrors = "ghcr.io/veer-e2e/sample-v2:errors-20";
constexpr const char* kSlow = "ghcr.io/veer-e2e/sample-v2:slow-600";

// The measured canary share may differ from the VirtualService weight by this many percentage
// points: nginx's weighted round robin is exact over every 10 requests, so what is left is the
// few requests in flight while nginx reloads at each step's edges.
constexpr double kTolerancePoints = 3.0;
// A step's measurement counts once it holds this many requests (a 10 s step at 40 rps has ~400).
constexpr long kMinRequests = 100;

std::unique_ptr<TrafficRollout> initialized(E2eCluster& cluster, const std::string& label,
                                            CanaryOptions options = {}) {
  const auto crds = install_crds(cluster);
  if (!crds.empty()) {
    FAIL_CHECK(crds);
    return nullptr;
  }
  auto rollout = std::make_unique<TrafficRollout>(cluster, label, std::move(options));
  if (auto error = rollout->set_up(kStable); !error.empty()) {
    FAIL_CHECK("setting up " << label << ": " << error);
    return nullptr;
  }
  CHECK(rollout->primary_image() == kStable);
  return rollout;
}

// The phases came in `order` (each at most once, never back), and every one of `required` was
// seen. A phase shorter than the test's 50 ms look (Finalising, often) may pass unseen.
void check_phases(const Trail& trail, const std::vector<std::string>& order,
                  const std::vector<std::string>& required) {
  const auto seen = phases(trail);
  std::size_t at = 0;
  for (const auto& phase : seen) {
    while (at < order.size() && order[at] != phase) ++at;
    CHECK_MESSAGE(at < order.size(), "phase " << phase << " out of order:\n" << trail.describe());
    if (at < order.size()) ++at;
  }
  for (const auto& phase : required)
    CHECK_MESSAGE(std::find(seen.begin(), seen.end(), phase) != seen.end(),
                  "phase " << phase << " never seen:\n"
                           << trail.describe());
}

// The VirtualService showed each step, and the apps served each step's share of the requests.
void check_steps(TrafficRollout& r, const Trail& trail, const std::vector<int>& weights) {
  for (int w : weights) {
    const Split split{100 - w, w};
    CHECK_MESSAGE(trail.saw_weight(w), "status weight " << w << " never seen:\n"
                                                        << trail.describe());
    CHECK_MESSAGE(trail.saw_split(split), "VirtualService " << to_string(split) << " never seen:\n"
                                                            << trail.describe());
    const auto m = r.data_plane().measured(split);
    const long total = m.primary + m.canary;
    MESSAGE("split " << to_string(split) << " measured at the apps: primary " << m.primary
                     << ", canary " << m.canary);
    if (total < kMinRequests) {
      FAIL_CHECK("only " << total << " requests measured under " << to_string(split));
      continue;
    }
    const double canary_percent =
        100.0 * static_cast<double>(m.canary) / static_cast<double>(total);
    CHECK_MESSAGE(std::fabs(canary_percent - w) <= kTolerancePoints,
                  "canary served " << canary_percent << "% under " << to_string(split));
  }
}

// What every finished run leaves: all traffic on the primary, measured too.
void check_at_rest(TrafficRollout& r, const std::string& primary_image) {
  const auto last = r.observe();
  CHECK_MESSAGE((last.split == Split{100, 0}), "at the end: " << to_string(last));
  CHECK(last.weight == 0);
  CHECK(r.primary_image() == primary_image);
  // The data plane follows the VirtualService within a loop or two.
  CHECK_MESSAGE(wait_until(
                    [&] {
                      const auto segments = r.data_plane().segments();
                      return !segments.empty() && segments.back().split == Split{100, 0};
                    },
                    std::chrono::seconds(10)),
                "nginx never went back to all-primary");
  const auto problems = r.data_plane().problems();
  CHECK_MESSAGE(problems.empty(), "data plane: " << (problems.empty() ? "" : problems.front()));
}

// A whole rollout that ends promoted: the phases, every step at the router and at the apps, and
// the mesh back on the (new) primary. Not one request failed on the way.
void check_promoted(TrafficRollout& r, const Trail& trail, const std::string& image) {
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  MESSAGE("phases and splits:\n" << trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe()
                                                      << "operator log:\n"
                                                      << r.operator_process().log_tail());
  check_phases(trail, {"Initialized", "Progressing", "Promoting", "Finalising", "Succeeded"},
               {"Initialized", "Progressing", "Promoting", "Succeeded"});
  check_steps(r, trail, {10, 20, 30});
  CHECK_MESSAGE(trail.max_weight() == 30, trail.describe());
  check_at_rest(r, image);
  const auto answers = r.load().answers();
  CHECK_MESSAGE(answers.size() == 1, "answers: " << to_string(answers));
  CHECK(answers.count(200) == 1);
  CHECK(r.data_plane().app_image(std::string(TrafficRollout::kName) + "-primary") == image);
}

// A rollout of `image` that is rolled back at the first step.
void check_rolled_back(TrafficRollout& r, const Trail& trail) {
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  MESSAGE("phases and splits:\n" << trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Failed", trail.describe() << "operator log:\n"
                                                                << r.operator_process().log_tail());
  check_phases(trail, {"Initialized", "Progressing", "Failed"},
               {"Initialized", "Progressing", "Failed"});
  check_steps(r, trail, {10});
  CHECK_MESSAGE(trail.max_weight() == 10, "a failing canary must not advance:\n"
                                              << trail.describe());
  check_at_rest(r, kStable);
}

// Every 5xx the clients saw came from the errors-20 canary: one in five of what it served.
void check_errors_from_canary(TrafficRollout& r) {
  long canary_served = 0;
  for (const auto& s : r.data_plane().segments()) canary_served += s.canary;
  const auto answers = r.load().answers();
  MESSAGE("answers: " << to_string(answers) << "; canary served " << canary_served);
  CHECK(canary_served > 0);
  REQUIRE(answers.count(500) == 1);
  CHECK(answers.at(500) == canary_served / 5);
  CHECK_MESSAGE(answers.size() == 2, "answers: " << to_string(answers));
}

CanaryOptions through(const std::string& provider) {
  CanaryOptions options;
  options.provider = provider;
  return options;
}

}  // namespace

TEST_CASE("istio with real traffic: a good canary is promoted step by step") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "good", through("istio"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_promoted(*r, r->roll_out(kGood), kGood);
}

TEST_CASE("istio with real traffic: a canary answering 20% 5xx is rolled back") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "errors", through("istio"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_rolled_back(*r, r->roll_out(kErrors));
  check_errors_from_canary(*r);
}

TEST_CASE(
    "istio with real traffic: a canary answering in 600 ms is rolled back on request-duration") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "slow", through("istio"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_rolled_back(*r, r->roll_out(kSlow));
  // Slow, not failing: every request was answered 200, so only the duration rolled it back.
  const auto answers = r->load().answers();
  MESSAGE("answers: " << to_string(answers));
  CHECK_MESSAGE(answers.size() == 1, "answers: " << to_string(answers));
  CHECK(answers.count(200) == 1);
}

TEST_CASE("linkerd (SMI TrafficSplit) with real traffic: a good canary is promoted") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "linkerd-good", through("linkerd"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_promoted(*r, r->roll_out(kGood), kGood);
}

TEST_CASE(
    "linkerd (SMI TrafficSplit) with real traffic: a canary answering 20% 5xx is rolled back") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "linkerd-errors", through("linkerd"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_rolled_back(*r, r->roll_out(kErrors));
  check_errors_from_canary(*r);
}

TEST_CASE("nginx (canary Ingress) with real traffic: a good canary is promoted") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "nginx-good", through("nginx"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_promoted(*r, r->roll_out(kGood), kGood);
}

TEST_CASE("nginx (canary Ingress) with real traffic: a canary answering 20% 5xx is rolled back") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "nginx-errors", through("nginx"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_rolled_back(*r, r->roll_out(kErrors));
  check_errors_from_canary(*r);
}

TEST_CASE("gatewayapi (HTTPRoute) with real traffic: a good canary is promoted") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "gatewayapi-good", through("gatewayapi"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  check_promoted(*r, r->roll_out(kGood), kGood);
}

TEST_CASE(
    "istio with real traffic: the operator killed with SIGKILL at every step resumes and "
    "promotes") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  auto r = initialized(*cluster, "killed", through("istio"));
  REQUIRE(r);
  INFO("namespace " << r->ns());
  // At the first sight of each weight the operator dies as a node would (no shutdown code runs)
  // and a new process starts from nothing but what is in the cluster. Traffic keeps flowing
  // through the routing veer last wrote, and the rollout goes on from the Canary's status.
  std::vector<int> killed_at;
  std::vector<std::string> restart_errors;
  const auto trail = r->roll_out(kGood, [&](const State& state) {
    if (state.phase != "Progressing" || state.weight == 0) return;
    if (std::find(killed_at.begin(), killed_at.end(), state.weight) != killed_at.end()) return;
    killed_at.push_back(state.weight);
    r->operator_process().kill9();
    if (auto error = r->operator_process().start(); !error.empty()) restart_errors.push_back(error);
  });
  for (const auto& error : restart_errors) FAIL_CHECK("restarting the operator: " << error);
  CHECK_MESSAGE((killed_at == std::vector<int>{10, 20, 30}),
                "killed at " << killed_at.size() << " weights");
  CHECK(r->operator_process().starts() == 4);
  // No step was repeated or skipped, and the weight never went back while progressing.
  int last = 0;
  for (const auto& s : trail.states) {
    if (s.phase != "Progressing") continue;
    CHECK_MESSAGE(s.weight >= last, "weight went back from " << last << ":\n" << trail.describe());
    last = std::max(last, s.weight);
  }
  check_promoted(*r, trail, kGood);
}

TEST_CASE("istio with real traffic: Prometheus stopped for three intervals holds, then promotes") {
  auto cluster = traffic_cluster();
  if (!cluster) return;  // skipped: no server configured, or no upstream CRDs
  CanaryOptions options;
  // Room for the looks after Prometheus is back, before its scrapes fill the 15 s window again.
  options.analysis_extra = {{"maxNoData", 10}};
  auto r = initialized(*cluster, "outage", options);
  REQUIRE(r);
  INFO("namespace " << r->ns());
  bool stopped = false;
  bool held_three = false;
  std::vector<State> during_outage;
  std::string restart_error;
  const auto trail = r->roll_out(kGood, [&](const State& state) {
    if (stopped || state.weight != 10 || !(state.split == Split{90, 10})) return;
    stopped = true;
    r->prometheus().stop();
    // Three analysis intervals (10 s each) of NoData, watched as they pass.
    held_three = wait_until(
        [&]() -> bool {
          const auto s = r->observe();
          if (during_outage.empty() || !(during_outage.back() == s)) during_outage.push_back(s);
          return r->no_data_looks() >= 3 || s.phase != "Progressing";
        },
        std::chrono::seconds(60));
    held_three = held_three && r->no_data_looks() >= 3;
    restart_error = r->prometheus().start();
  });
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  REQUIRE(stopped);
  CHECK_MESSAGE(restart_error.empty(), restart_error);
  CHECK_MESSAGE(held_three, "three NoData looks never counted; operator log:\n"
                                << r->operator_process().log_tail());
  for (const auto& s : during_outage)
    CHECK_MESSAGE((s.phase == "Progressing" && s.weight == 10 && s.split == Split{90, 10}),
                  "while Prometheus was down: " << to_string(s));
  MESSAGE("phases and splits:\n" << trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe()
                                                      << "operator log:\n"
                                                      << r->operator_process().log_tail());
  check_steps(*r, trail, {10, 20, 30});
  check_at_rest(*r, kGood);
  const auto answers = r->load().answers();
  CHECK_MESSAGE(answers.size() == 1, "answers: " << to_string(answers));
}

}  // namespace veer::e2e::traffic
