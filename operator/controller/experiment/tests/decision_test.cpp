// The Experiment state machine with plain values: phases, the weights it routes, when it asks
// for a look, and how each assessment verdict ends (or continues) the experiment.
#include <doctest/doctest.h>

#include "base/time_format.hpp"
#include "operator/controller/experiment/experiment_decision.hpp"
#include "operator/controller/experiment/tests/support/fixture.hpp"

using namespace veer::controller;
using namespace veer::controller::experiment;
using veer::model::ExperimentPhase;
namespace ax = veer::analysis::experiment;
using nlohmann::json;

namespace {

const TimePoint t0 = veer::base::parse_time("2026-11-27T03:00:00Z").value();

ExperimentObservations all_ready(bool ready = true) {
  ExperimentObservations o;
  for (const char* name : {"current", "one-page", "express"})
    o.versions.push_back({name, {true, ready, false, ready ? "" : "0 of 1 replicas available"}});
  return o;
}

const ExperimentAction* routes_of(const ExperimentDecision& d) {
  for (const auto& a : d.actions)
    if (a.kind == ExperimentActionKind::SetRoutes) return &a;
  return nullptr;
}

bool promotes(const ExperimentDecision& d) {
  for (const auto& a : d.actions)
    if (a.kind == ExperimentActionKind::PromoteWinner) return true;
  return false;
}

// An experiment that is Running, its last look at t0.
veer::model::Experiment running(json doc = testing::experiment_json()) {
  auto e = testing::parsed(doc);
  auto d = decide_experiment(e, all_ready(), t0);
  REQUIRE(d.status.phase == ExperimentPhase::Running);
  e.status = d.status;
  return e;
}

ax::ExperimentStep step_with(ax::Verdict verdict, const std::string& winner = "") {
  ax::ExperimentStep step;
  step.assessment.verdict = verdict;
  step.assessment.winner = winner;
  step.assessment.reason = "the reason";
  step.assessment.state.looks = 1;
  step.weights = {{"current", 50}, {"one-page", 30}, {"express", 20}};
  step.evidence = {{"decision", std::string(ax::to_string(verdict))}};
  return step;
}

}  // namespace

TEST_CASE(
    "a new experiment waits for every version's Deployment with all traffic on the baseline") {
  auto e = testing::parsed(testing::experiment_json());
  auto d = decide_experiment(e, all_ready(false), t0);
  CHECK(d.status.phase == ExperimentPhase::Initializing);
  CHECK(d.status.start_time == "2026-11-27T03:00:00Z");
  CHECK(d.status.message.find("version current is not ready") != std::string::npos);
  REQUIRE(routes_of(d));
  CHECK(routes_of(d)->weights == Weights{{"current", 100}, {"one-page", 0}, {"express", 0}});
  CHECK(d.requeue_after == std::chrono::seconds(5));
  CHECK_FALSE(d.needs_step);

  e.status = d.status;
  d = decide_experiment(e, all_ready(), t0 + std::chrono::seconds(5));
  CHECK(d.status.phase == ExperimentPhase::Running);
  REQUIRE(routes_of(d));
  // Burn-in: uniform across the three, within maxCandidateWeightIncrement (20) from 0.
  const auto& w = routes_of(d)->weights;
  CHECK(w.at("current") + w.at("one-page") + w.at("express") == 100);
  CHECK(w.at("one-page") <= 20);
  CHECK(w.at("express") <= 20);
  CHECK(d.status.last_update_time == "2026-11-27T03:00:05Z");
  CHECK(d.requeue_after == std::chrono::minutes(1));
}

TEST_CASE("a look is asked for only once the interval has passed, and the routes stay meanwhile") {
  auto e = running();
  auto d = decide_experiment(e, all_ready(), t0 + std::chrono::seconds(20));
  CHECK_FALSE(d.needs_step);
  CHECK(d.requeue_after == std::chrono::seconds(40));
  REQUIRE(routes_of(d));
  CHECK(d.status.phase == ExperimentPhase::Running);

  d = decide_experiment(e, all_ready(), t0 + std::chrono::minutes(1));
  CHECK(d.needs_step);
  CHECK(d.actions.empty());
  CHECK(d.status.phase == ExperimentPhase::Running);
}

TEST_CASE(
    "a pass a fraction of a millisecond before a look falls due comes back for it (a requeue "
    "rounded down to 0 is none, and the experiment would wait for a resync)") {
  auto e = running();
  auto d = decide_experiment(e, all_ready(),
                             t0 + std::chrono::minutes(1) - std::chrono::microseconds(400));
  CHECK_FALSE(d.needs_step);
  CHECK(d.requeue_after == std::chrono::milliseconds(1));
}

TEST_CASE("a look that continues routes the step's weights and records the evidence") {
  auto e = running();
  auto seen = all_ready();
  seen.step = step_with(ax::Verdict::Continue);
  seen.counts = {{"current", 1000, {{"conversion-rate", {50, 1000}}}}};
  auto d = decide_experiment(e, seen, t0 + std::chrono::minutes(1));
  CHECK(d.status.phase == ExperimentPhase::Running);
  CHECK(d.status.completed_iterations == 1);
  REQUIRE(routes_of(d));
  CHECK(routes_of(d)->weights == seen.step->weights);
  REQUIRE(d.status.versions.size() == 3);
  CHECK(d.status.versions[0].weight == 50);
  CHECK(d.status.versions[0].request_count == 1000);
  CHECK(d.status.versions[0].metrics.at("conversion-rate") == doctest::Approx(0.05));
  CHECK(d.status.evidence["decision"] == "continue");
  CHECK(d.status.last_update_time == "2026-11-27T03:01:00Z");
}

TEST_CASE("a look that cannot be measured holds the traffic and the time of the last look") {
  auto e = running();
  auto seen = all_ready();
  seen.step_error = "Prometheus unreachable";
  auto d = decide_experiment(e, seen, t0 + std::chrono::minutes(1));
  CHECK(d.status.phase == ExperimentPhase::Running);
  CHECK(d.status.last_update_time == e.status.last_update_time);
  CHECK(d.status.message.find("Prometheus unreachable") != std::string::npos);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].warning);
  REQUIRE(routes_of(d));
  CHECK(routes_of(d)->weights.at("current") == e.status.versions[0].weight);
  // Said once: the same failure again writes no second event.
  e.status = d.status;
  CHECK(decide_experiment(e, seen, t0 + std::chrono::minutes(2)).events.empty());
}

TEST_CASE(
    "a winner completes the experiment, and promoted it keeps the traffic until the baseline runs "
    "it") {
  auto doc = testing::experiment_json();
  doc["spec"]["promoteWinner"] = true;
  auto e = running(doc);
  auto seen = all_ready();
  seen.step = step_with(ax::Verdict::Winner, "express");
  auto d = decide_experiment(e, seen, t0 + std::chrono::minutes(1));
  CHECK(d.status.phase == ExperimentPhase::Completed);
  CHECK(d.status.winner == "express");
  CHECK(promotes(d));
  REQUIRE(routes_of(d));
  CHECK(routes_of(d)->weights == Weights{{"current", 0}, {"one-page", 0}, {"express", 100}});

  e.status = d.status;
  auto after = all_ready();
  d = decide_experiment(e, after, t0 + std::chrono::minutes(2));
  CHECK(promotes(d));  // again until done: restart-safe
  CHECK(routes_of(d)->weights.at("express") == 100);
  CHECK(d.requeue_after == std::chrono::seconds(5));

  after.baseline_runs_winner = true;
  d = decide_experiment(e, after, t0 + std::chrono::minutes(3));
  CHECK(routes_of(d)->weights == Weights{{"current", 100}, {"one-page", 0}, {"express", 0}});
  CHECK(d.status.versions[0].weight == 100);
  CHECK(d.events.size() == 1);
}

TEST_CASE("a winner without promoteWinner keeps all the traffic") {
  auto e = running();
  auto seen = all_ready();
  seen.step = step_with(ax::Verdict::Winner, "one-page");
  auto d = decide_experiment(e, seen, t0 + std::chrono::minutes(1));
  CHECK(d.status.phase == ExperimentPhase::Completed);
  CHECK_FALSE(promotes(d));
  CHECK(routes_of(d)->weights.at("one-page") == 100);
}

TEST_CASE("abort and no winner roll all traffic back to the baseline") {
  for (const auto& verdict_phase : {std::pair{ax::Verdict::Abort, ExperimentPhase::Aborted},
                                    std::pair{ax::Verdict::NoWinner, ExperimentPhase::Failed}}) {
    // Not a structured binding: CAPTURE makes a lambda, which may not capture one before C++20.
    const auto verdict = verdict_phase.first;
    const auto phase = verdict_phase.second;
    CAPTURE(ax::to_string(verdict));
    auto e = running();
    auto seen = all_ready();
    seen.step = step_with(verdict);
    auto d = decide_experiment(e, seen, t0 + std::chrono::minutes(1));
    CHECK(d.status.phase == phase);
    CHECK(d.status.winner.empty());
    CHECK_FALSE(promotes(d));
    CHECK(routes_of(d)->weights == Weights{{"current", 100}, {"one-page", 0}, {"express", 0}});
    REQUIRE_FALSE(d.events.empty());
    CHECK(d.events.back().warning);
    // Finished: the routes stay on the baseline; no more looks.
    e.status = d.status;
    d = decide_experiment(e, all_ready(), t0 + std::chrono::hours(1));
    CHECK_FALSE(d.needs_step);
    CHECK(d.status.phase == phase);
    CHECK(routes_of(d)->weights.at("current") == 100);
    CHECK(d.events.empty());
  }
}

TEST_CASE("a cut-off version need not be ready, and a conformance experiment routes nothing") {
  auto e = running();
  e.status.versions[2].cut_off = true;
  auto seen = all_ready();
  seen.versions[2].health.ready = false;
  CHECK(decide_experiment(e, seen, t0 + std::chrono::minutes(1)).needs_step);

  auto doc = testing::experiment_json();
  doc["spec"]["candidates"] = json::array();
  doc["spec"]["strategy"] = {{"testingPattern", "conformance"}};
  auto c = testing::parsed(doc);
  ExperimentObservations baseline_only;
  baseline_only.versions.push_back({"current", {true, true, false, ""}});
  auto d = decide_experiment(c, baseline_only, t0);
  CHECK(d.status.phase == ExperimentPhase::Running);
  CHECK(d.actions.empty());
  REQUIRE(d.status.versions.size() == 1);
  CHECK(d.status.versions[0].weight == 100);
}
