// Everything a rollout needs to continue after a restart: Flagger's status fields (model's
// CanaryStatus) plus veer's own progress under `status.rollout` (step times, gates handled,
// why it waits, a short history of steps). No state that matters lives only in memory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"

namespace veer::controller {

// One analysis step, for `veer status` and the dashboard.
struct StepRecord {
  std::string time;  // RFC 3339
  std::string phase;
  int weight = 0;
  int iteration = 0;
  std::string note;  // "weight 20", "success-rate: pass", "held: no data", ...
  bool operator==(const StepRecord&) const = default;
};

inline constexpr std::size_t kHistoryLength = 20;

struct RolloutProgress {
  std::string last_step_time;        // when the last analysis step ran; "" = none this run
  std::string started_time;          // when this revision's rollout started
  std::string canary_unready_since;  // first time the canary was seen not ready, "" if ready
  std::string primary_unready_since;
  bool pre_rollout_passed = false;  // pre-rollout hooks never rerun within a run (#1248)
  bool mirror_step_done = false;
  std::string waiting_for;  // "confirm-rollout", "rollout slot", "confirm-promotion", ...
  std::string message;      // the latest reason, in words
  // Holding for missing evidence (docs/analysis.md "Holding"): the run's budget so far.
  std::string hold_started;    // when the current hold began, "" when not holding
  long long held_seconds = 0;  // earlier holds of this run
  int no_data_looks = 0;       // NoData looks of this run
  bool hold_expired = false;   // the budget ran out with onHoldExpired: pause
  std::map<std::string, std::string> handled_gates;  // gate -> request id already acted on
  // The provider whose router the routes were last applied through: when spec.provider changes,
  // the old router's objects are retired (meshes/router_switch.hpp). "" = not known (a status
  // of an older veer or of Flagger).
  std::string router;
  std::vector<StepRecord> history;
  bool operator==(const RolloutProgress&) const = default;
};

struct RolloutStatus {
  model::CanaryStatus canary;
  RolloutProgress progress;
};

// The whole `status` object: model's fields plus `rollout`.
nlohmann::json to_json(const RolloutStatus& status);
// Reads a status written by to_json, by an older veer or by Flagger (no `rollout`): unknown or
// malformed parts are dropped, never thrown.
RolloutStatus rollout_status_from_json(const nlohmann::json& status);

void append_history(RolloutProgress& progress, StepRecord record);

}  // namespace veer::controller
