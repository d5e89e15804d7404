// The Experiment state machine as one pure function (as `decide` is for Canaries): from the
// Experiment (spec and status), what the controller observed (each version's Deployment) and the
// result of this interval's assessment, the next status and the actions to apply. No I/O, no
// clock: `now` is an argument.
//
// Phases: Pending -> Initializing (waiting for every version's Deployment to be ready, all traffic
// on the baseline) -> Running (a look every duration.interval: weights from the assessment) ->
// Completed (a winner), Failed (no winner, or the winner could not be chosen) or Aborted (a
// guardrail with rollbackOnFailure was violated). A finished experiment keeps its routes: all
// traffic on the baseline, except a winner not promoted keeps all of it, and a promoted winner
// keeps it until the baseline runs the winner's pod template.
//
// The assessment is I/O (metric queries), so the function asks for it: when a look is due and no
// step was given it returns `needs_step` and changes nothing; the caller measures, calls
// analysis::experiment::experiment_step and calls again with the result. Gates (spec.webhooks)
// are asked for the same way (`needs_gate`): confirm-rollout once every version is ready and
// before the first split, confirm-promotion before a winner is promoted; a gate that does not
// pass holds the experiment where it is (asked again every poll interval).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/experiment/counts.hpp"
#include "analysis/experiment/experiment_step.hpp"
#include "model/experiment.hpp"
#include "operator/controller/decision.hpp"

namespace veer::controller::experiment {

using Weights = std::map<std::string, std::int32_t>;

struct VersionObservation {
  std::string name;  // the version's name (spec.baseline.name or a candidate's)
  WorkloadHealth health;
};

struct ExperimentObservations {
  std::vector<VersionObservation> versions;  // baseline first
  // The baseline Deployment runs the winner's pod template (a promotion is done once it is
  // also ready).
  bool baseline_runs_winner = false;
  // This look's result, when the previous call asked for it: either the step and the
  // cumulative counts it judged, or why it could not be taken (metrics unreadable).
  std::optional<analysis::experiment::ExperimentStep> step;
  std::vector<analysis::experiment::VersionCounts> counts;
  std::string step_error;
  // Why the router has not applied the last routes veer wrote ("" when it has): a Gateway API
  // HTTPRoute not yet Accepted at its generation. While Running, no look counts traffic until it
  // has (the window restarts).
  std::string routes_pending;
  // The gates' answers (spec.webhooks of one type), when the previous call asked for them.
  std::map<model::WebhookType, HookResult> gates;
};

enum class ExperimentActionKind {
  SetRoutes,      // weights across the versions (N-version routes)
  PromoteWinner,  // copy the winner's pod template into the baseline Deployment
};

struct ExperimentAction {
  ExperimentActionKind kind = ExperimentActionKind::SetRoutes;
  Weights weights;     // SetRoutes
  std::string winner;  // PromoteWinner
  bool operator==(const ExperimentAction&) const = default;
};

struct ExperimentDecision {
  model::ExperimentStatus status;
  std::vector<ExperimentAction> actions;
  std::vector<Event> events;
  std::vector<Alert> alerts;  // for spec.alerts: each is also one of the events
  bool needs_step = false;    // run the assessment and call again; nothing else is set
  // Run spec.webhooks of this type (a gate) and call again with the answer; nothing else is set.
  std::optional<model::WebhookType> needs_gate;
  std::chrono::milliseconds requeue_after{0};
};

struct ExperimentDecideSettings {
  std::chrono::milliseconds min_interval{10'000};  // the floor of duration.interval
  std::chrono::milliseconds poll_interval{5'000};  // while waiting for Deployments
};

ExperimentDecision decide_experiment(const model::Experiment& experiment,
                                     const ExperimentObservations& observed, TimePoint now,
                                     const ExperimentDecideSettings& settings = {});

bool is_finished(model::ExperimentPhase phase);

// The routes a finished experiment keeps (see above).
Weights final_weights(const model::ExperimentSpec& spec, const model::ExperimentStatus& status,
                      bool baseline_runs_winner, bool baseline_ready);

// The traffic before the first look: the strategy's burn-in split under the safety filters.
Weights initial_weights(const model::Experiment& experiment);

// "current=60 one-page=40", for events and messages.
std::string describe(const Weights& weights);

}  // namespace veer::controller::experiment
