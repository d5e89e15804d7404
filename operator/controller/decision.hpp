// The rollout state machine as one pure function (docs/architecture.md, "How a rollout moves
// through the parts", step 4): from the Canary's spec and status, what the controller observed and
// the results of the checks it ran, `decide` returns the next status and the actions to apply. No
// I/O, no clock: `now` is an argument.
//
// Checks (webhooks, metric analysis) are I/O, so `decide` asks for them: when it needs a result
// it has not been given, it returns `needs` and changes nothing; the caller runs those checks and
// calls `decide` again with their results. Which check runs when is decided here alone.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "meshes/routes.hpp"
#include "model/canary.hpp"
#include "operator/controller/config_tracking.hpp"
#include "operator/controller/rollout_status.hpp"
#include "operator/controller/verdict_rule.hpp"
#include "operator/webhooks/hook_result.hpp"

namespace veer::controller {

using TimePoint = base::Clock::TimePoint;

// Manual gates, stored on the Canary as annotations by `veer promote|abort|retry|pause|resume`
// (never only in memory). A request is an id (the time it was made); status.rollout.handledGates
// remembers which ids were acted on, so each request acts exactly once.
inline constexpr const char* kPromoteAnnotation = "veer.dev/promote";
inline constexpr const char* kAbortAnnotation = "veer.dev/abort";
inline constexpr const char* kRetryAnnotation = "veer.dev/retry";
inline constexpr const char* kPausedAnnotation = "veer.dev/paused";  // "true" while paused

struct GateRequests {
  std::string promote;
  std::string abort;
  std::string retry;
  bool paused = false;
};

// The health of a workload as its Deployment/DaemonSet status shows it.
struct WorkloadHealth {
  bool exists = false;
  bool ready = false;              // available replicas reach the ready threshold
  bool deadline_exceeded = false;  // the Progressing condition says ProgressDeadlineExceeded
  std::string message;             // "2 of 3 replicas available", for events
};

// The result of all webhooks of one type (the webhooks part runs them and fills it).
using HookResult = webhooks::HookResult;

struct MetricVerdict {
  std::string name;
  MetricOutcome outcome = MetricOutcome::Pass;
  std::string message;                // "request-success-rate 98.7% < 99%"
  nlohmann::json evidence = nullptr;  // counts, effect, interval, p/e-value, from analysis
};

// The sequential comparison's decision so far (anytime-valid, so it may stop early).
enum class SequentialDecision { Continue, ProvenWorse, ProvenNoWorse };

// The traffic-split guard: does the canary's observed share of requests match the weight veer
// wrote? (A router that ignores the weight, or a query selecting the wrong pods.)
struct TrafficSplitCheck {
  bool mismatch = false;              // proven at alpha 0.001: the rollout holds
  std::string message;                // names the weight and the observed share
  nlohmann::json evidence = nullptr;  // stored as status.evidence.traffic_split (with its state)
};

struct AnalysisResult {
  std::vector<MetricVerdict> metrics;
  SequentialDecision sequential = SequentialDecision::Continue;
  std::string sequential_message;  // evidence in words for events
  // While undecided: the e-value, counts and an estimated time to a decision, in words.
  std::string evidence_so_far;
  std::optional<TrafficSplitCheck> traffic_split;  // absent: no request counts to compare
};

struct Observations {
  std::string revision;              // revision_hash of the target now
  ConfigChecksums tracked_configs;   // of the target now
  WorkloadHealth canary;             // the target workload
  WorkloadHealth primary;            // <target>-primary
  std::string primary_promotion_id;  // the revision the primary was last given ("" = unknown)
  bool deleting = false;             // metadata.deletionTimestamp is set
  bool has_finalizer = false;
  bool target_restored = false;   // Terminating: the target runs the primary's replicas again
  bool rollout_slot_free = true;  // the concurrent-rollout limit allows one more
  std::string slot_message;       // "3 of 3 rollouts in namespace shop are running"
  GateRequests gates;
  // Results of checks the caller ran because a previous call asked for them.
  std::map<model::WebhookType, HookResult> hooks;
  std::optional<AnalysisResult> analysis;
};

// What the caller must run before `decide` can go on.
struct Needs {
  std::set<model::WebhookType> hooks;
  bool analysis = false;
  bool empty() const { return hooks.empty() && !analysis; }
};

enum class ActionKind {
  InitializePrimary,  // create/update <target>-primary (+ configs, HPA), apex -> primary
  PromotePrimary,     // copy the target's template and configs into the primary
  ScaleCanaryUp,      // the target back from 0 (and its scaler resumed)
  ScaleCanaryDown,    // the target to 0 (and its scaler paused)
  SetRoutes,          // routes
  RunPostRolloutHooks,
  RestoreTarget,   // Terminating: target replicas back, scaler resumed
  FinalizeRoutes,  // apex Service selector and router objects back to the user's
  AddFinalizer,
  RemoveFinalizer,
};

struct Action {
  ActionKind kind;
  meshes::Routes routes;  // for SetRoutes
  bool operator==(const Action&) const = default;
};

struct Event {
  bool warning = false;
  std::string message;
  // A step inside a phase (a weight or iteration advance, a wait for a workload veer itself just
  // changed to roll out, a phase the same pass leaves again): the status records it
  // (canaryWeight, rollout.history, rollout.message), so the reconciler writes no Kubernetes
  // Event for it; logs and event webhooks still get it (docs/canary.md "Telling people").
  bool step = false;
};

struct Alert {
  model::AlertSeverity severity = model::AlertSeverity::Info;
  std::string message;
};

// How a finished run ended, for the successes/failures counters.
enum class RunEnd { None, Succeeded, Failed, Skipped };

struct Decision {
  RolloutStatus status;
  std::vector<Action> actions;
  std::vector<Event> events;
  std::vector<Alert> alerts;
  Needs needs;  // non-empty: run these and call decide again; status/actions are unchanged
  std::chrono::milliseconds requeue_after{0};  // 0 = only when something changes
  // requeue_after is a check while a workload becomes ready (its watch events say it too), not a
  // step falling due: it waits behind the steps in the work queue.
  bool requeue_is_poll = false;
  RunEnd run_end = RunEnd::None;
};

// Operator-wide settings that shape decisions.
struct DecideSettings {
  std::string default_provider = "kubernetes";     // --mesh-provider
  std::chrono::milliseconds min_interval{10'000};  // Flagger floors analysis.interval to 10s
  std::chrono::milliseconds poll_interval{5'000};  // while waiting for workloads to be ready
};

Decision decide(const model::Canary& canary, const RolloutStatus& status,
                const Observations& observed, TimePoint now, const DecideSettings& settings = {});

// Phases in which a rollout holds a slot of the concurrency limit.
bool is_active_phase(model::CanaryPhase phase);

}  // namespace veer::controller
