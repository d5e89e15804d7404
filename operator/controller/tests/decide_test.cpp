// The rollout state machine, transition by transition, with plain values. Every tick goes
// through the status JSON (write, read back), so each test also shows the rollout resumes from
// its stored status alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "base/time_format.hpp"
#include "operator/controller/decision.hpp"

using namespace veer::controller;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using veer::model::AlertSeverity;
using veer::model::CanaryPhase;
using veer::model::WebhookType;

namespace {

veer::model::Canary podinfo_canary() {
  veer::model::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  c.spec.target_ref = {"apps/v1", "Deployment", "podinfo", ""};
  c.spec.service.port = 9898;
  c.spec.progress_deadline_seconds = 120;
  veer::model::Analysis a;
  a.interval = milliseconds(60'000);
  a.threshold = 2;
  a.max_weight = 30;
  a.step_weight = 10;
  veer::model::CanaryMetric success;
  success.name = "request-success-rate";
  success.threshold_range = veer::model::ThresholdRange{99.0, std::nullopt};
  a.metrics.push_back(success);
  c.spec.analysis = a;
  return c;
}

veer::model::CanaryWebhook webhook(WebhookType type, const std::string& name) {
  veer::model::CanaryWebhook w;
  w.type = type;
  w.name = name;
  w.url = "http://loadtester.test/" + name;
  return w;
}

AnalysisResult all_pass() {
  return {{{"request-success-rate", MetricOutcome::Pass, "99.9% >= 99%", nullptr}},
          SequentialDecision::Continue,
          "",
          "",
          std::nullopt};
}

// A canary, its stored status and what the controller sees, ticking through decide.
struct World {
  veer::model::Canary canary = podinfo_canary();
  RolloutStatus status;
  Observations seen;
  TimePoint now = TimePoint{} + std::chrono::hours(24 * 365 * 56);
  std::map<WebhookType, HookResult> hook_results;  // absent: passes
  AnalysisResult verdicts = all_pass();
  std::vector<Needs> asked;
  Decision last;
  // An operator started with --mesh-provider istio: a Canary without spec.provider splits
  // traffic (under the default, kubernetes, it would run blue/green).
  DecideSettings settings = [] {
    DecideSettings s;
    s.default_provider = "istio";
    return s;
  }();

  World() {
    seen.revision = "rev-a";
    seen.canary = {true, false, false, "0 of 3 replicas available"};
    seen.primary = {true, true, false, "3 of 3 replicas available"};
  }

  Decision& tick() {
    Observations o = seen;
    Decision d = decide(canary, status, o, now, settings);
    for (int round = 0; !d.needs.empty(); ++round) {
      REQUIRE(round < 4);
      CHECK(d.actions.empty());
      CHECK(d.events.empty());
      asked.push_back(d.needs);
      for (auto type : d.needs.hooks) {
        auto it = hook_results.find(type);
        o.hooks[type] = it == hook_results.end() ? HookResult{} : it->second;
      }
      if (d.needs.analysis) o.analysis = verdicts;
      d = decide(canary, status, o, now, settings);
    }
    status = rollout_status_from_json(to_json(d.status));
    last = d;
    return last;
  }
  void advance(milliseconds d) { now += d; }
  // Ticks once per interval until the phase is `phase` (at most `limit` ticks).
  void run_until(CanaryPhase phase, int limit = 30) {
    for (int i = 0; i < limit && status.canary.phase != phase; ++i) {
      advance(minutes(1));
      tick();
    }
    REQUIRE(status.canary.phase == phase);
  }
  // Initialized on rev-a, then a new revision rev-b whose canary is ready.
  void start_rollout() {
    tick();
    REQUIRE(status.canary.phase == CanaryPhase::Initialized);
    seen.revision = "rev-b";
    tick();
    REQUIRE(status.canary.phase == CanaryPhase::Progressing);
    seen.canary.ready = true;
  }
  bool asked_for(WebhookType type) const {
    return std::any_of(asked.begin(), asked.end(),
                       [&](const Needs& n) { return n.hooks.count(type); });
  }
};

bool has_action(const Decision& d, ActionKind kind) {
  return std::any_of(d.actions.begin(), d.actions.end(),
                     [&](const Action& a) { return a.kind == kind; });
}

std::optional<veer::meshes::Routes> routes_of(const Decision& d) {
  for (const auto& a : d.actions) {
    if (a.kind == ActionKind::SetRoutes) return a.routes;
  }
  return std::nullopt;
}

bool has_event(const Decision& d, const std::string& text) {
  return std::any_of(d.events.begin(), d.events.end(),
                     [&](const Event& e) { return e.message.find(text) != std::string::npos; });
}

bool has_alert(const Decision& d, AlertSeverity severity, const std::string& text) {
  return std::any_of(d.alerts.begin(), d.alerts.end(), [&](const Alert& a) {
    return a.severity == severity && a.message.find(text) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("initialization waits for the primary, then records the revision as promoted") {
  World w;
  w.seen.primary.ready = false;
  auto& first = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Initializing);
  CHECK(has_action(first, ActionKind::InitializePrimary));
  CHECK(first.requeue_after > milliseconds(0));
  CHECK(first.requeue_is_poll);  // the primary's watch events say it too: not a step falling due

  w.seen.primary.ready = true;
  auto& done = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Initialized);
  CHECK(w.status.canary.last_applied_spec == "rev-a");
  CHECK(w.status.canary.last_promoted_spec == "rev-a");
  CHECK(has_event(done, "Initialization done! podinfo.test"));
  CHECK(has_alert(done, AlertSeverity::Info, "initialization completed"));
  CHECK(has_action(done, ActionKind::ScaleCanaryDown));
  CHECK(routes_of(done)->primary_weight == 100);
  REQUIRE(w.status.canary.conditions.size() == 1);
  CHECK(w.status.canary.conditions[0].status == "True");
  CHECK(w.status.canary.conditions[0].reason == "Initialized");
}

TEST_CASE("the same revision, or a revert to the promoted one, starts nothing") {
  World w;
  w.tick();
  auto& idle = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Initialized);
  CHECK(idle.alerts.empty());
  CHECK(idle.events.empty());

  w.seen.revision = "rev-b";
  w.seen.canary.ready = true;
  w.hook_results[WebhookType::ConfirmRollout] = {false, "gate closed", false};
  w.canary.spec.analysis->webhooks.push_back(webhook(WebhookType::ConfirmRollout, "gate"));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Waiting);
  w.seen.revision = "rev-a";  // the user reverts before approval
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
  CHECK(w.status.canary.last_applied_spec == "rev-a");
}

TEST_CASE("confirm-rollout holds a new revision in Waiting and alerts once") {
  World w;
  w.canary.spec.analysis->webhooks.push_back(webhook(WebhookType::ConfirmRollout, "gate"));
  w.tick();
  w.seen.revision = "rev-b";
  w.hook_results[WebhookType::ConfirmRollout] = {false, "gate returned 403", false};
  auto& waiting = w.tick();
  CHECK(w.asked_for(WebhookType::ConfirmRollout));
  CHECK(w.status.canary.phase == CanaryPhase::Waiting);
  CHECK(has_alert(waiting, AlertSeverity::Warn, "waiting for approval"));
  CHECK(has_action(waiting, ActionKind::ScaleCanaryDown));
  w.advance(minutes(1));
  CHECK(w.tick().alerts.empty());  // still waiting: no second alert, no second event
  CHECK(w.last.events.empty());

  w.hook_results[WebhookType::ConfirmRollout] = {true, "", false};
  w.advance(minutes(1));
  auto& started = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  CHECK(w.status.canary.last_applied_spec == "rev-b");
  CHECK(has_action(started, ActionKind::ScaleCanaryUp));
  CHECK(has_event(started, "New revision detected! Scaling up podinfo.test"));
  CHECK(has_alert(started, AlertSeverity::Info, "New revision detected"));
}

TEST_CASE("a canary rollout steps by stepWeight each interval, promotes and scales down") {
  World w;
  w.canary.spec.analysis->webhooks = {webhook(WebhookType::PreRollout, "pre"),
                                      webhook(WebhookType::Rollout, "load"),
                                      webhook(WebhookType::PostRollout, "post")};
  w.start_rollout();

  auto& first = w.tick();  // pre-rollout step: no metrics yet, weight to 10
  CHECK(w.asked_for(WebhookType::PreRollout));
  CHECK_FALSE(w.asked_for(WebhookType::Rollout));
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(routes_of(first)->canary_weight == 10);
  CHECK(routes_of(first)->primary_weight == 90);
  CHECK(has_event(first, "Advance podinfo.test canary weight 10"));
  CHECK(first.requeue_after == minutes(1));
  CHECK_FALSE(first.requeue_is_poll);  // the next step: ahead of watch events in the queue

  // Called again early (a watch event): no step, requeued for the rest of the interval.
  w.advance(seconds(20));
  auto& early = w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(early.requeue_after == seconds(40));
  CHECK(early.events.empty());

  w.advance(seconds(40));
  w.asked.clear();
  w.tick();
  CHECK(w.asked_for(WebhookType::Rollout));
  CHECK_FALSE(w.asked_for(WebhookType::PreRollout));
  CHECK(w.status.canary.canary_weight == 20);
  CHECK(w.status.canary.evidence["metrics"][0]["verdict"] == "pass");
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.canary_weight == 30);

  w.seen.primary.ready = false;  // the primary rolls to the new template
  w.advance(minutes(1));
  auto& promoting = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Promoting);
  CHECK(has_action(promoting, ActionKind::PromotePrimary));
  CHECK(routes_of(promoting)->canary_weight == 30);

  w.advance(seconds(5));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Promoting);  // holds until the primary is ready

  w.seen.primary.ready = true;
  w.advance(seconds(5));
  auto& done = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
  CHECK(w.status.canary.last_promoted_spec == "rev-b");
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(routes_of(done)->primary_weight == 100);
  CHECK(has_action(done, ActionKind::ScaleCanaryDown));
  CHECK(has_action(done, ActionKind::RunPostRolloutHooks));
  CHECK(done.run_end == RunEnd::Succeeded);
  CHECK(has_alert(done, AlertSeverity::Info, "promotion finished"));
  CHECK(w.status.canary.conditions[0].status == "True");
  CHECK(w.status.progress.history.size() >= 5);

  // Idle afterwards: the same actions (the caller writes only diffs), no new events.
  w.advance(minutes(1));
  auto& idle = w.tick();
  CHECK(idle.events.empty());
  CHECK(idle.run_end == RunEnd::None);
}

TEST_CASE(
    "a step done a little late keeps the cadence: it is recorded when it fell due, so lateness "
    "does not add up, and one an interval or more overdue starts a new cadence") {
  World w;
  w.start_rollout();
  w.tick();  // the first step at once: weight 10, recorded now
  REQUIRE(w.status.canary.canary_weight == 10);
  const auto first = veer::base::parse_time(w.status.progress.last_step_time).value();

  // Done 7 s late (a busy queue, a slow query): the next falls due one interval after the
  // first, not after this one, and the requeue says so.
  w.advance(seconds(67));
  auto& late = w.tick();
  REQUIRE(w.status.canary.canary_weight == 20);
  CHECK(veer::base::parse_time(w.status.progress.last_step_time).value() == first + minutes(1));
  CHECK(late.requeue_after == seconds(53));
  w.advance(seconds(53));
  w.tick();
  CHECK(w.status.canary.canary_weight == 30);
  CHECK(veer::base::parse_time(w.status.progress.last_step_time).value() == first + minutes(2));

  // 90 s overdue (veer was down): recorded now, the next one interval from now, never two
  // steps back to back to catch up.
  w.canary.spec.analysis->max_weight = 50;
  w.advance(minutes(1) + seconds(90));
  auto& overdue = w.tick();
  CHECK(w.status.canary.canary_weight == 40);
  CHECK(veer::base::parse_time(w.status.progress.last_step_time).value() == w.now);
  CHECK(overdue.requeue_after == minutes(1));
}

TEST_CASE(
    "a pass a fraction of a millisecond before a step falls due comes back for it: its requeue is "
    "rounded up, never to 0 (no requeue), which left a Canary waiting minutes for a resync") {
  World w;
  w.start_rollout();
  w.tick();
  REQUIRE(w.status.canary.canary_weight == 10);
  // The requeue of that step (60 000 ms) woke the pass 0.4 ms early: the step's time is stored
  // in whole seconds, the wait in milliseconds.
  w.now += minutes(1) - std::chrono::microseconds(400);
  auto& early = w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(early.requeue_after == milliseconds(1));
  w.advance(milliseconds(1));
  w.tick();
  CHECK(w.status.canary.canary_weight == 20);

  // The same in promotion's primary-weight steps.
  World p;
  p.canary.spec.analysis->step_weight_promotion = 20;
  p.start_rollout();
  p.run_until(CanaryPhase::Promoting);
  p.tick();
  REQUIRE(p.status.canary.canary_weight == 10);
  p.now += minutes(1) - std::chrono::microseconds(400);
  auto& promoting = p.tick();
  CHECK(p.status.canary.phase == CanaryPhase::Promoting);
  CHECK(promoting.requeue_after == milliseconds(1));
  p.advance(milliseconds(1));
  p.tick();
  CHECK(p.status.canary.phase == CanaryPhase::Succeeded);
}

TEST_CASE("stepWeights are followed and their last entry is the maximum") {
  World w;
  w.canary.spec.analysis->step_weight = 0;
  w.canary.spec.analysis->max_weight = 0;
  w.canary.spec.analysis->step_weights = {5, 10, 50};
  w.start_rollout();
  std::vector<int> weights;
  for (int i = 0; i < 4; ++i) {
    w.tick();
    weights.push_back(w.status.canary.canary_weight);
    w.advance(minutes(1));
  }
  CHECK(weights == std::vector<int>{5, 10, 50, 50});
  CHECK(w.status.canary.phase == CanaryPhase::Promoting);
}

TEST_CASE("failed checks hold the weight and roll back at the threshold, with an alert") {
  World w;
  w.start_rollout();
  w.tick();
  REQUIRE(w.status.canary.canary_weight == 10);
  w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::Fail, "success rate 91% < 99%",
                           nullptr};
  w.advance(minutes(1));
  auto& held = w.tick();
  CHECK(w.status.canary.failed_checks == 1);
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(has_event(held, "Halt podinfo.test advancement: success rate 91% < 99%"));
  CHECK(w.status.canary.evidence["metrics"][0]["verdict"] == "fail");
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.failed_checks == 2);
  w.advance(minutes(1));
  auto& failed = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
  CHECK(routes_of(failed)->primary_weight == 100);
  CHECK(has_action(failed, ActionKind::ScaleCanaryDown));
  CHECK(has_action(failed, ActionKind::RunPostRolloutHooks));
  CHECK(has_alert(failed, AlertSeverity::Error, "Failed checks threshold reached 2"));
  CHECK(failed.run_end == RunEnd::Failed);
  CHECK(w.status.canary.conditions[0].status == "False");

  // Failed stays Failed for the same revision; lastTransitionTime does not churn (#1696).
  const auto transition = w.status.canary.last_transition_time;
  w.advance(minutes(5));
  auto& again = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
  CHECK(w.status.canary.last_transition_time == transition);
  CHECK(again.alerts.empty());
}

TEST_CASE("missing data holds without a failed check, never promotes, and continues after") {
  World w;
  w.canary.spec.analysis->max_weight = 20;
  w.start_rollout();
  w.tick();
  REQUIRE(w.status.canary.canary_weight == 10);
  w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::NoData, "empty result", nullptr};
  for (int i = 0; i < 3; ++i) {  // a Prometheus outage of three looks
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(has_event(d,
                    "Hold podinfo.test at canary weight 10: holding: no data for "
                    "request-success-rate (empty result); no-data look " +
                        std::to_string(i + 1) + " of 5"));
    CHECK(has_alert(d, AlertSeverity::Warn, "holding: no data") == (i == 0));
  }
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(w.status.canary.failed_checks == 0);
  CHECK(w.status.progress.no_data_looks == 3);
  CHECK(w.status.canary.evidence["metrics"][0]["verdict"] == "no-data");
  CHECK(w.status.progress.message.rfind("holding: no data", 0) == 0);

  w.verdicts = all_pass();  // the data is back: the rollout goes on from where it held
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.canary_weight == 20);
  CHECK(w.status.progress.hold_started.empty());
  CHECK(w.status.progress.held_seconds == 180);
}

TEST_CASE("NoData past maxNoData rolls back by default, or pauses with onHoldExpired: pause") {
  SUBCASE("rollback (default; maxNoData defaults to the larger of threshold and 5)") {
    World w;
    w.start_rollout();
    w.tick();
    w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::NoData, "empty", nullptr};
    for (int i = 0; i < 5; ++i) {
      w.advance(minutes(1));
      w.tick();
    }
    REQUIRE(w.status.canary.phase == CanaryPhase::Progressing);
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(has_alert(d, AlertSeverity::Error,
                    "hold budget exhausted: holding: no data for request-success-rate (empty); "
                    "no-data look 6 of 5; 6 no-data looks exceed maxNoData 5"));
    CHECK(w.status.canary.failed_checks == 0);
  }
  SUBCASE("pause: waits for veer promote or veer abort") {
    World w;
    w.canary.spec.analysis->max_no_data = 1;
    w.canary.spec.analysis->on_hold_expired = veer::model::OnHoldExpired::Pause;
    w.start_rollout();
    w.tick();
    w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::NoData, "empty", nullptr};
    w.advance(minutes(1));
    w.tick();
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    CHECK(w.status.progress.hold_expired);
    CHECK(w.status.progress.waiting_for == "hold-expired");
    CHECK(has_alert(d, AlertSeverity::Warn, "paused: hold budget exhausted"));
    CHECK(has_event(d, "veer promote or veer abort decides"));
    // The gate's annotation queues the Canary; a lost event costs one interval, not a resync.
    CHECK(d.requeue_after == minutes(1));
    const auto asked = w.asked.size();
    w.verdicts = all_pass();
    for (int i = 0; i < 3; ++i) {
      w.advance(minutes(1));
      auto& paused = w.tick();
      CHECK(paused.events.empty());  // no more analysis, no repeated event
      CHECK(paused.requeue_after == minutes(1));
      CHECK(paused.actions.size() == d.actions.size());  // the same steady routes, nothing new
    }
    CHECK(w.asked.size() == asked);
    CHECK(w.status.canary.canary_weight == 10);
    w.seen.gates.abort = "a1";
    w.advance(minutes(1));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
  }
}

TEST_CASE("an undecided test holds at the weight until decided, maxHold bounds the hold") {
  auto inconclusive = [] {
    auto r = all_pass();
    r.metrics[0] = {"request-success-rate", MetricOutcome::Inconclusive,
                    "keep observing: e-value 2.1 between 0.05 and 20", nullptr};
    r.evidence_so_far = "request-success-rate: e-value 2.1 (rolls back at 20, promotes at 0.05)";
    return r;
  };
  SUBCASE("holds, then advances once decided") {
    World w;
    w.start_rollout();
    w.tick();
    w.verdicts = inconclusive();
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.canary_weight == 10);
    CHECK(w.status.canary.failed_checks == 0);
    CHECK(w.status.canary.evidence["metrics"][0]["verdict"] == "inconclusive");
    CHECK(w.status.progress.message ==
          "holding: evidence so far request-success-rate: e-value 2.1 (rolls back at 20, "
          "promotes at 0.05)");
    CHECK(has_alert(d, AlertSeverity::Info, "holding: evidence so far"));
    w.verdicts = all_pass();
    w.advance(minutes(1));
    w.tick();
    CHECK(w.status.canary.canary_weight == 20);
  }
  SUBCASE("the budget counts every hold of the run, and runs out into a rollback") {
    World w;
    w.canary.spec.analysis->max_hold = minutes(3);
    w.start_rollout();
    w.tick();
    w.verdicts = inconclusive();
    w.advance(minutes(1));
    w.tick();  // hold starts
    w.advance(minutes(1));
    w.tick();  // 1m held
    w.verdicts = all_pass();
    w.advance(minutes(1));
    w.tick();  // 2m held, advances
    REQUIRE(w.status.canary.canary_weight == 20);
    CHECK(w.status.progress.held_seconds == 120);
    w.verdicts = inconclusive();
    w.advance(minutes(1));
    w.tick();  // a new hold: 2m of the budget already spent
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(has_alert(d, AlertSeverity::Error, "held 3m0s of maxHold 3m0s"));
  }
}

TEST_CASE("maxHold does not count while the Canary is paused or suspended") {
  for (bool suspend : {false, true}) {
    CAPTURE(suspend);
    World w;
    w.canary.spec.analysis->max_hold = minutes(3);
    w.start_rollout();
    w.tick();
    w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::Inconclusive, "keep observing",
                             nullptr};
    w.advance(minutes(1));
    w.tick();  // the hold starts
    w.advance(minutes(1));
    w.tick();  // 1m held
    REQUIRE_FALSE(w.status.progress.hold_started.empty());
    if (suspend) {
      w.canary.spec.suspend = true;
    } else {
      w.seen.gates.paused = true;
    }
    for (int i = 0; i < 60; ++i) {  // an hour paused: far past maxHold
      w.advance(minutes(1));
      w.tick();
    }
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    // Held until the first tick that saw the pause: 2m of the 3m budget, not 62m.
    CHECK(w.status.progress.held_seconds == 120);
    CHECK(w.status.progress.hold_started.empty());
    w.canary.spec.suspend = false;
    w.seen.gates.paused = false;
    w.advance(minutes(1));
    w.tick();  // holds again, from the 2m spent before the pause
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    CHECK(w.status.canary.canary_weight == 10);
    CHECK_FALSE(w.status.progress.hold_started.empty());
    w.advance(minutes(1));
    auto& d = w.tick();  // 3m: the budget runs out
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(has_alert(d, AlertSeverity::Error, "held 3m0s of maxHold 3m0s"));
  }
}

TEST_CASE("a sequential metric gates promotion at the last step") {
  auto undecided = [] {
    auto r = all_pass();
    r.metrics[0] = {"request-success-rate", MetricOutcome::Inconclusive, "keep observing", nullptr};
    return r;
  };
  for (const char* ending : {"proven no worse", "proven worse", "budget"}) {
    CAPTURE(ending);
    World w;
    w.canary.spec.analysis->max_hold = minutes(10);
    w.start_rollout();
    w.run_until(CanaryPhase::Progressing);
    while (w.status.canary.canary_weight < 30) {
      w.advance(minutes(1));
      w.tick();
    }
    w.verdicts = undecided();
    for (int i = 0; i < 5; ++i) {  // at maxWeight: no promotion while undecided
      w.advance(minutes(1));
      w.tick();
      REQUIRE(w.status.canary.phase == CanaryPhase::Progressing);
    }
    if (std::string(ending) == "proven no worse") {
      w.verdicts = all_pass();
      w.verdicts.sequential = SequentialDecision::ProvenNoWorse;
      w.verdicts.sequential_message = "proven no worse";
      w.advance(minutes(1));
      w.tick();
      CHECK(w.status.canary.phase == CanaryPhase::Promoting);
    } else if (std::string(ending) == "proven worse") {
      w.verdicts.sequential = SequentialDecision::ProvenWorse;
      w.verdicts.sequential_message = "e-value 25 >= 20";
      w.advance(minutes(1));
      w.tick();
      CHECK(w.status.canary.phase == CanaryPhase::Failed);
    } else {
      w.run_until(CanaryPhase::Failed);
      CHECK(w.status.progress.message.find("hold budget exhausted") != std::string::npos);
    }
  }
}

TEST_CASE("a traffic-split mismatch holds with the weight and the observed share") {
  World w;
  w.start_rollout();
  w.tick();
  TrafficSplitCheck split;
  split.mismatch = true;
  split.message =
      "traffic split mismatch: veer set the canary weight to 10% but the canary "
      "received 48.7% of 1000 requests";
  split.evidence = {{"weight", 10}, {"observed_share", 0.487}, {"mismatch", true}};
  w.verdicts.traffic_split = split;
  w.advance(minutes(1));
  auto& d = w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(w.status.canary.failed_checks == 0);
  CHECK(has_alert(d, AlertSeverity::Warn, "received 48.7% of 1000 requests"));
  CHECK(w.status.canary.evidence["traffic_split"]["observed_share"] == 0.487);
}

TEST_CASE("a hold survives a restart: its budget is read back from the status alone") {
  World w;
  w.canary.spec.analysis->max_no_data = 2;
  w.start_rollout();
  w.tick();
  w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::NoData, "empty", nullptr};
  w.advance(minutes(1));
  w.tick();
  // A new operator: only the status JSON (as the API server keeps it) goes on.
  World restarted;
  restarted.canary = w.canary;
  restarted.seen = w.seen;
  restarted.now = w.now;
  restarted.status = rollout_status_from_json(to_json(w.status));
  restarted.verdicts = w.verdicts;
  CHECK(restarted.status.progress.no_data_looks == 1);
  CHECK_FALSE(restarted.status.progress.hold_started.empty());
  restarted.advance(minutes(1));
  restarted.tick();
  CHECK(restarted.status.canary.phase == CanaryPhase::Progressing);
  restarted.advance(minutes(1));
  restarted.tick();
  CHECK(restarted.status.canary.phase == CanaryPhase::Failed);
}

TEST_CASE("the sequential test rolls back early, and promotes early only when opted in") {
  SUBCASE("proven worse") {
    World w;
    w.canary.spec.analysis->threshold = 10;
    w.start_rollout();
    w.tick();
    w.verdicts.sequential = SequentialDecision::ProvenWorse;
    w.verdicts.sequential_message = "e-value 41.2 >= 20: error rate 4.1% vs 0.2%";
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(has_alert(d, AlertSeverity::Error, "proven worse"));
    CHECK(w.status.canary.evidence["sequential"]["decision"] == "proven-worse");
  }
  SUBCASE("proven no worse") {
    World w;
    w.canary.spec.analysis->max_weight = 50;
    w.start_rollout();
    w.tick();
    w.verdicts.sequential = SequentialDecision::ProvenNoWorse;
    w.verdicts.sequential_message = "upper bound 0.1% < margin 0.5%";
    w.advance(minutes(1));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);  // not opted in: steps on
    CHECK(w.status.canary.canary_weight == 20);

    veer::model::Comparison comparison;
    comparison.early_promotion = true;
    w.canary.spec.analysis->metrics[0].comparison = comparison;
    w.advance(minutes(1));
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Promoting);
    CHECK(has_event(d, "proven no worse"));
  }
}

TEST_CASE("a refused traffic increase only holds: no failed check, no pre-rollout rerun") {
  World w;
  w.canary.spec.analysis->webhooks = {webhook(WebhookType::PreRollout, "pre"),
                                      webhook(WebhookType::ConfirmTrafficIncrease, "more")};
  w.hook_results[WebhookType::ConfirmTrafficIncrease] = {false, "more returned 403", false};
  w.start_rollout();
  w.tick();
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(w.status.progress.waiting_for == "confirm-traffic-increase");
  w.asked.clear();
  w.advance(minutes(1));
  w.tick();
  CHECK_FALSE(w.asked_for(WebhookType::PreRollout));
  CHECK(w.status.canary.failed_checks == 0);
  CHECK(w.status.canary.canary_weight == 0);
  w.hook_results.erase(WebhookType::ConfirmTrafficIncrease);
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(w.status.progress.waiting_for.empty());
}

TEST_CASE("a failed pre-rollout hook is a failed check with an alert (Flagger #1663)") {
  World w;
  w.canary.spec.analysis->webhooks = {webhook(WebhookType::PreRollout, "smoke")};
  w.hook_results[WebhookType::PreRollout] = {false, "smoke returned 500: db down", false};
  w.start_rollout();
  auto& d = w.tick();
  CHECK(w.status.canary.failed_checks == 1);
  CHECK(has_alert(d, AlertSeverity::Error, "smoke returned 500"));
  w.hook_results[WebhookType::PreRollout] = {false, "smoke returned 500", true};  // muteAlert
  w.advance(minutes(1));
  CHECK(w.tick().alerts.empty());
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
}

TEST_CASE("a new revision mid-rollout restarts the analysis, a revert cancels it") {
  World w;
  w.start_rollout();
  w.tick();
  w.advance(minutes(1));
  w.tick();
  REQUIRE(w.status.canary.canary_weight == 20);
  w.seen.revision = "rev-c";
  w.advance(seconds(3));
  auto& restarted = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(w.status.canary.last_applied_spec == "rev-c");
  CHECK_FALSE(w.status.progress.pre_rollout_passed);
  CHECK(routes_of(restarted)->primary_weight == 100);
  CHECK(has_event(restarted, "Restarting analysis"));

  w.tick();
  REQUIRE(w.status.canary.canary_weight == 10);
  w.seen.revision = "rev-a";
  auto& cancelled = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
  CHECK(routes_of(cancelled)->primary_weight == 100);
  CHECK(has_action(cancelled, ActionKind::ScaleCanaryDown));
}

TEST_CASE("a canary that never becomes ready is rolled back at the progress deadline") {
  World w;
  w.start_rollout();
  w.seen.canary = {true, false, false, "0 of 3 replicas available: CrashLoopBackOff"};
  // The wait began with the scale-up; its message stays while the replicas change (no status
  // write per replica), and the rollback says the state the deadline found.
  const auto message = w.status.progress.message;
  CHECK(message.find("Waiting for podinfo.test to be ready") == 0);
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  CHECK(w.status.progress.message == message);
  w.advance(seconds(119));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  w.advance(seconds(1));
  auto& failed = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
  CHECK(has_alert(failed, AlertSeverity::Error, "Progress deadline exceeded"));
  CHECK(has_event(failed, "CrashLoopBackOff"));

  World k;
  k.start_rollout();
  k.seen.canary.ready = false;
  k.seen.canary.deadline_exceeded = true;  // the Deployment's own condition
  k.tick();
  CHECK(k.status.canary.phase == CanaryPhase::Failed);
}

TEST_CASE("an unhealthy primary does not block a rollout, it fails only the promotion") {
  World w;
  w.start_rollout();
  w.seen.primary = {true, false, false, "1 of 3 replicas available"};
  w.run_until(CanaryPhase::Promoting);
  CHECK(w.status.canary.canary_weight == 30);
  w.advance(seconds(119));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Promoting);
  w.advance(seconds(1));
  auto& failed = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
  CHECK(w.status.canary.canary_weight == 100);
  CHECK(routes_of(failed)->canary_weight == 100);
  CHECK_FALSE(has_action(failed, ActionKind::ScaleCanaryDown));
  CHECK(has_alert(failed, AlertSeverity::Error, "Promotion failed"));
}

TEST_CASE("gates: abort, promote, pause and retry act once each, from the object") {
  SUBCASE("abort") {
    World w;
    w.start_rollout();
    w.tick();
    w.seen.gates.abort = "2026-11-22T01:00:00Z";
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(has_alert(d, AlertSeverity::Error, "aborted by veer abort"));
    CHECK(w.status.progress.handled_gates["abort"] == "2026-11-22T01:00:00Z");
  }
  SUBCASE("promote skips the remaining steps and confirm-promotion") {
    World w;
    w.canary.spec.analysis->webhooks = {webhook(WebhookType::ConfirmPromotion, "approve")};
    w.hook_results[WebhookType::ConfirmPromotion] = {false, "closed", false};
    w.start_rollout();
    w.tick();
    w.seen.gates.promote = "p1";
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Promoting);
    CHECK_FALSE(w.asked_for(WebhookType::ConfirmPromotion));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
    // The same request id does nothing to the next rollout.
    w.seen.revision = "rev-c";
    w.tick();
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    CHECK(w.status.canary.canary_weight == 10);
  }
  SUBCASE("pause holds, resume continues") {
    World w;
    w.start_rollout();
    w.tick();
    w.seen.gates.paused = true;
    for (int i = 0; i < 3; ++i) {
      w.advance(minutes(1));
      w.tick();
    }
    CHECK(w.status.canary.canary_weight == 10);
    CHECK(w.status.progress.waiting_for == "resume");
    w.seen.gates.paused = false;
    w.tick();
    CHECK(w.status.canary.canary_weight == 20);
  }
  SUBCASE("retry runs the failed revision again without a spec change") {
    World w;
    w.start_rollout();
    w.tick();
    w.seen.gates.abort = "a1";
    w.tick();
    REQUIRE(w.status.canary.phase == CanaryPhase::Failed);
    w.advance(minutes(1));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    w.seen.gates.retry = "r1";
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    CHECK(has_event(d, "Retrying"));
    w.tick();
    CHECK(w.status.canary.canary_weight == 10);
  }
}

TEST_CASE("A/B testing routes matched traffic to the canary for its iterations") {
  World w;
  w.canary.spec.analysis->iterations = 3;
  w.canary.spec.analysis->match =
      nlohmann::json::parse(R"([{"headers": {"x-canary": {"exact": "insider"}}}])");
  w.canary.spec.provider = "istio";
  w.start_rollout();
  auto& first = w.tick();
  CHECK(w.status.canary.iterations == 1);
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(routes_of(first)->canary_weight == 100);
  CHECK(has_event(first, "iteration 1/3"));
  w.run_until(CanaryPhase::Promoting);
  CHECK(w.status.canary.iterations == 3);
}

TEST_CASE("blue/green mirrors during its iterations and switches to the canary to promote") {
  World w;
  w.canary.spec.analysis->iterations = 2;
  w.canary.spec.analysis->mirror = true;
  w.canary.spec.analysis->mirror_weight = 50;
  w.canary.spec.provider = "istio";
  w.start_rollout();
  auto& first = w.tick();
  CHECK(routes_of(first)->primary_weight == 100);
  CHECK(routes_of(first)->mirror);
  CHECK(routes_of(first)->mirror_percentage == 50);
  w.seen.primary.ready = false;
  w.run_until(CanaryPhase::Promoting);
  CHECK(routes_of(w.last)->canary_weight == 100);
  CHECK_FALSE(routes_of(w.last)->mirror);

  World k8s;
  k8s.canary.spec.analysis->iterations = 1;
  k8s.canary.spec.provider = "kubernetes";
  k8s.start_rollout();
  k8s.seen.primary.ready = false;
  k8s.run_until(CanaryPhase::Promoting);
  CHECK_FALSE(routes_of(k8s.last));  // the kubernetes provider switches no traffic
}

// Provider kubernetes runs blue/green whatever the Canary says; weight steps without iterations
// once promoted on the first step, with no analysis at all (issue 14: the bad revision of
// `veer demo --provider kubernetes` was promoted).
TEST_CASE("kubernetes without iterations analyses once per weight step before promoting") {
  SUBCASE("passing metrics: an iteration per step (10 to 30: 3), then promotion") {
    World w;
    w.canary.spec.provider = "kubernetes";
    w.start_rollout();
    w.run_until(CanaryPhase::Promoting);
    CHECK(w.status.canary.iterations == 3);
    const auto analyses =
        std::count_if(w.asked.begin(), w.asked.end(), [](const Needs& n) { return n.analysis; });
    CHECK(analyses == 3);
  }
  SUBCASE("failing metrics: rolled back after threshold failed checks, never promoted") {
    World w;
    w.canary.spec.provider = "kubernetes";
    w.verdicts.metrics[0].outcome = MetricOutcome::Fail;
    w.start_rollout();
    for (int i = 0; i < 10 && w.status.canary.phase == CanaryPhase::Progressing; ++i) {
      w.advance(minutes(1));
      w.tick();
      CHECK(w.status.canary.phase != CanaryPhase::Promoting);
    }
    CHECK(w.status.canary.phase == CanaryPhase::Failed);
    CHECK(w.status.canary.failed_checks == 2);
  }
  SUBCASE("no spec.provider under the operator's default provider, kubernetes: the same") {
    World w;
    w.settings = DecideSettings{};
    REQUIRE(w.settings.default_provider == "kubernetes");
    w.canary.spec.provider.clear();
    w.start_rollout();
    w.run_until(CanaryPhase::Promoting);
    CHECK(w.status.canary.iterations == 3);
    CHECK_FALSE(routes_of(w.last));  // no traffic to switch
  }
  SUBCASE("stepWeights: an iteration per entry") {
    World w;
    w.canary.spec.provider = "kubernetes";
    w.canary.spec.analysis->step_weights = {5, 25, 50, 80};
    w.start_rollout();
    w.run_until(CanaryPhase::Promoting);
    CHECK(w.status.canary.iterations == 4);
  }
}

TEST_CASE("canary mirroring inserts one mirror-only step at weight 0") {
  World w;
  w.canary.spec.analysis->mirror = true;
  w.start_rollout();
  w.tick();  // pre-rollout step
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(routes_of(w.last)->mirror);
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK_FALSE(routes_of(w.last)->mirror);
}

TEST_CASE("stepWeightPromotion hands traffic back to the primary step by step") {
  World w;
  w.canary.spec.analysis->step_weight_promotion = 20;
  w.start_rollout();
  w.run_until(CanaryPhase::Promoting);
  w.tick();
  CHECK(w.status.canary.canary_weight == 10);
  CHECK(routes_of(w.last)->primary_weight == 90);
  w.advance(seconds(10));
  w.tick();
  CHECK(w.status.canary.canary_weight == 10);  // one step per interval
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
}

TEST_CASE(
    "skipAnalysis still initializes: no scale-down or apex switch before the primary is ready") {
  World w;
  w.canary.spec.skip_analysis = true;
  w.seen.primary = {};  // a fresh Canary: no primary yet
  for (int i = 0; i < 3; ++i) {
    auto& d = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Initializing);
    CHECK(has_action(d, ActionKind::InitializePrimary));
    CHECK_FALSE(has_action(d, ActionKind::ScaleCanaryDown));
    CHECK_FALSE(routes_of(d));
    w.advance(seconds(10));
  }
  w.seen.primary.exists = true;
  w.seen.primary.ready = true;
  auto& done = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Initialized);
  CHECK(has_action(done, ActionKind::ScaleCanaryDown));
}

TEST_CASE("skipAnalysis promotes as soon as the canary is ready") {
  World w;
  w.canary.spec.skip_analysis = true;
  w.tick();
  w.seen.revision = "rev-b";
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  w.seen.canary.ready = true;
  auto& d = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Succeeded);
  CHECK(has_action(d, ActionKind::PromotePrimary));
  CHECK(d.run_end == RunEnd::Skipped);
  CHECK(w.status.canary.last_promoted_spec == "rev-b");
}

TEST_CASE("the concurrency limit keeps a new revision Waiting and says why") {
  World w;
  w.tick();
  w.seen.revision = "rev-b";
  w.seen.rollout_slot_free = false;
  w.seen.slot_message = "2 of 2 rollouts running";
  auto& d = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Waiting);
  CHECK(w.status.progress.waiting_for == "rollout slot");
  CHECK(has_event(d, "2 of 2 rollouts running"));
  w.seen.rollout_slot_free = true;
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
}

TEST_CASE("a rollback webhook that answers 2xx rolls back") {
  World w;
  w.canary.spec.analysis->webhooks = {webhook(WebhookType::Rollback, "rollback")};
  w.hook_results[WebhookType::Rollback] = {false, "", false};
  w.start_rollout();
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Progressing);
  w.hook_results[WebhookType::Rollback] = {true, "rollback returned 200", false};
  w.advance(minutes(1));
  w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Failed);
}

TEST_CASE(
    "revertOnDeletion: finalizer added, target restored, routes finalized, finalizer removed") {
  World w;
  w.canary.spec.revert_on_deletion = true;
  CHECK(has_action(w.tick(), ActionKind::AddFinalizer));
  w.seen.has_finalizer = true;
  CHECK_FALSE(has_action(w.tick(), ActionKind::AddFinalizer));
  w.seen.deleting = true;
  auto& terminating = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Terminating);
  CHECK(has_action(terminating, ActionKind::RestoreTarget));
  CHECK_FALSE(has_action(terminating, ActionKind::RemoveFinalizer));
  w.seen.target_restored = true;
  auto& done = w.tick();
  CHECK(w.status.canary.phase == CanaryPhase::Terminated);
  CHECK(has_action(done, ActionKind::FinalizeRoutes));
  CHECK(has_action(done, ActionKind::RemoveFinalizer));

  World plain;
  plain.tick();
  plain.seen.deleting = true;
  CHECK(plain.tick().actions.empty());  // garbage collection does the rest
}

TEST_CASE("suspend leaves everything alone") {
  World w;
  w.start_rollout();
  w.canary.spec.suspend = true;
  for (int i = 0; i < 3; ++i) {
    w.advance(minutes(1));
    CHECK(w.tick().actions.empty());
  }
  CHECK(w.status.canary.canary_weight == 0);
  CHECK(w.status.progress.message == "suspended (spec.suspend)");
}

TEST_CASE("status JSON keeps veer's progress under status.rollout") {
  RolloutStatus s;
  s.canary.phase = CanaryPhase::Progressing;
  s.canary.canary_weight = 20;
  s.progress.last_step_time = "2026-11-22T01:02:03Z";
  s.progress.pre_rollout_passed = true;
  s.progress.handled_gates["promote"] = "x";
  s.progress.router = "istio";
  for (int i = 0; i < 25; ++i) append_history(s.progress, {"t", "Progressing", i, 0, "weight"});
  CHECK(s.progress.history.size() == kHistoryLength);
  CHECK(s.progress.history.front().weight == 5);
  auto json = to_json(s);
  CHECK(json["phase"] == "Progressing");
  CHECK(json["rollout"]["lastStepTime"] == "2026-11-22T01:02:03Z");
  CHECK(json["rollout"]["router"] == "istio");
  auto back = rollout_status_from_json(json);
  CHECK(back.progress == s.progress);
  CHECK(back.canary.canary_weight == 20);
  // A Flagger status (no rollout) reads with empty progress.
  auto flagger =
      rollout_status_from_json(nlohmann::json{{"phase", "Succeeded"}, {"canaryWeight", 0}});
  CHECK(flagger.canary.phase == CanaryPhase::Succeeded);
  CHECK(flagger.progress == RolloutProgress{});
}

TEST_CASE("pause and suspend stop the progress-deadline clock, it restarts on resume") {
  for (bool suspend : {false, true}) {
    CAPTURE(suspend);
    World w;
    w.start_rollout();
    w.seen.canary = {true, false, false, "1 of 3 replicas available"};
    w.tick();
    w.advance(seconds(100));  // 20s left of the 120s deadline
    w.tick();
    REQUIRE(w.status.canary.phase == CanaryPhase::Progressing);
    if (suspend) {
      w.canary.spec.suspend = true;
    } else {
      w.seen.gates.paused = true;
    }
    for (int i = 0; i < 60; ++i) {
      w.advance(minutes(1));
      w.tick();
    }
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    w.canary.spec.suspend = false;
    w.seen.gates.paused = false;
    auto& resumed = w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    CHECK(has_event(resumed, "Waiting for podinfo.test to be ready"));
    w.advance(seconds(119));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Progressing);
    w.advance(seconds(1));
    w.tick();
    CHECK(w.status.canary.phase == CanaryPhase::Failed);  // a full deadline after resuming
  }
}

TEST_CASE("every path to Failed sends exactly one error alert, with the reason (Flagger #1663)") {
  struct Path {
    const char* name;
    const char* reason;  // in the alert
    std::function<void(World&)> arrange;
  };
  const std::vector<Path> paths = {
      {"pre-rollout webhook", "Failed checks threshold reached 2",
       [](World& w) {
         w.canary.spec.analysis->webhooks = {webhook(WebhookType::PreRollout, "smoke")};
         w.hook_results[WebhookType::PreRollout] = {false, "smoke returned 500", false};
       }},
      {"rollout webhook", "Failed checks threshold reached 2",
       [](World& w) {
         w.canary.spec.analysis->webhooks = {webhook(WebhookType::Rollout, "load")};
         w.hook_results[WebhookType::Rollout] = {false, "load returned 503", false};
       }},
      {"metrics", "Failed checks threshold reached 2",
       [](World& w) {
         w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::Fail, "91% < 99%",
                                  nullptr};
       }},
      {"no metric data", "hold budget exhausted",
       [](World& w) {
         w.verdicts.metrics[0] = {"request-success-rate", MetricOutcome::NoData, "empty", nullptr};
       }},
      {"progress deadline", "Progress deadline exceeded",
       [](World& w) {
         w.seen.canary = {true, false, false, "0 of 3 replicas available"};
       }},
      {"Deployment's own deadline", "Progress deadline exceeded",
       [](World& w) {
         w.seen.canary = {true, false, true, "ProgressDeadlineExceeded"};
       }},
      {"rollback webhook", "rollback webhook",
       [](World& w) {
         w.canary.spec.analysis->webhooks = {webhook(WebhookType::Rollback, "rb")};
         w.hook_results[WebhookType::Rollback] = {true, "rb returned 200", false};
       }},
      {"sequential test", "proven worse",
       [](World& w) {
         w.verdicts.sequential = SequentialDecision::ProvenWorse;
         w.verdicts.sequential_message = "e-value 41 > 20";
       }},
      {"veer abort", "aborted by veer abort", [](World& w) { w.seen.gates.abort = "a1"; }},
      {"primary never ready at promotion", "Promotion failed",
       [](World& w) {
         w.seen.primary = {true, false, false, "1 of 3 replicas available"};
       }},
  };
  for (const auto& path : paths) {
    CAPTURE(path.name);
    World w;
    w.start_rollout();
    path.arrange(w);
    std::vector<Alert> errors;
    for (int i = 0; i < 40 && w.status.canary.phase != CanaryPhase::Failed; ++i) {
      w.advance(minutes(1));
      for (const auto& a : w.tick().alerts) {
        if (a.severity == AlertSeverity::Error) errors.push_back(a);
      }
    }
    REQUIRE(w.status.canary.phase == CanaryPhase::Failed);
    // Checks that failed before the threshold alerted on their own; the failure alerts once more.
    REQUIRE_FALSE(errors.empty());
    CHECK(errors.back().message.find(path.reason) != std::string::npos);
    for (int i = 0; i < 3; ++i) {
      w.advance(minutes(1));
      CHECK(w.tick().alerts.empty());  // and never again for the same failure
    }
  }
}

TEST_CASE("session affinity: a cookie per run, expired once the run's traffic is back") {
  World w;
  veer::model::SessionAffinity affinity;
  affinity.cookie_name = "canary-flag";
  w.canary.spec.analysis->session_affinity = affinity;
  w.start_rollout();
  const auto first = w.status.canary.session_affinity_cookie;
  CHECK(first.rfind("canary-flag=", 0) == 0);
  auto& step = w.tick();
  REQUIRE(w.status.canary.canary_weight == 10);
  CHECK(routes_of(step)->session_cookie == first);
  w.run_until(CanaryPhase::Succeeded);
  // Users holding the finished run's cookie get it expired (Max-Age=-1) on their next request.
  CHECK(w.status.canary.session_affinity_cookie.empty());
  CHECK(w.status.canary.previous_session_affinity_cookie == first);
  auto& idle = w.tick();
  CHECK(routes_of(idle)->session_cookie.empty());
  CHECK(routes_of(idle)->previous_session_cookie == first);

  w.seen.revision = "rev-c";
  w.tick();
  const auto second = w.status.canary.session_affinity_cookie;
  CHECK(second != first);
  CHECK(w.status.canary.previous_session_affinity_cookie == first);
  w.tick();
  w.seen.gates.abort = "a1";
  auto& failed = w.tick();
  REQUIRE(w.status.canary.phase == CanaryPhase::Failed);
  CHECK(routes_of(failed)->previous_session_cookie == second);
  CHECK(routes_of(failed)->session_cookie.empty());
}
