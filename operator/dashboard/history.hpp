// What the dashboard remembers of each Canary and Experiment beyond its status: the status keeps
// only the last verdicts (the last look's assessment), so the weights, every metric's canary and
// primary values and each version's reward over time are recorded here, in memory, as statuses
// change. Lost on restart; bounded per rollout.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"

namespace veer::dashboard {

using TimePoint = base::Clock::TimePoint;

struct MetricSample {
  std::optional<double> canary;   // evidence.value
  std::optional<double> primary;  // evidence.baseline_value
  std::optional<double> margin;   // evidence.margin (absolute), comparisons only
  std::string verdict;
};

// One observed change of a Canary's status.
struct Sample {
  TimePoint time;
  std::string phase;
  int weight = 0;
  int failed_checks = 0;
  // Only when the status carried a new look (status.evidence.time changed).
  std::map<std::string, MetricSample> metrics;
};

// A point where the controller decided something: a new phase or a failed check.
struct Decision {
  TimePoint time;
  std::string label;  // "Promoting", "Failed", "failed check 1", ...
  std::string message;
  nlohmann::json evidence;  // status.evidence when it was taken (the status keeps only the last)
};

struct RolloutRecord {
  std::vector<Sample> samples;
  std::vector<Decision> decisions;
};

// One version of an Experiment at one look: its routed weight and its reward's assessment.
struct VersionSample {
  int weight = 0;
  std::optional<double> reward;      // events / trials of the reward metric
  std::optional<double> reward_low;  // its confidence sequence
  std::optional<double> reward_high;
  std::optional<double> probability_best;
};

// One observed change of an Experiment's status (a new look, phase or split).
struct ExperimentSample {
  TimePoint time;
  std::string phase;
  int looks = 0;
  std::map<std::string, VersionSample> versions;
};

struct ExperimentRecord {
  std::vector<ExperimentSample> samples;
  std::vector<Decision> decisions;  // phases and cut-offs, with status.evidence then
};

class History {
 public:
  explicit History(std::size_t max_samples = 2000, std::size_t max_decisions = 200)
      : max_samples_(max_samples), max_decisions_(max_decisions) {}

  // Records `canary` (a Canary object) if its status changed since the last observation. The
  // time is the status's own (the evidence's or the last step's) when it has one, else `now`.
  void observe(const nlohmann::json& canary, TimePoint now);
  void forget(const std::string& ns, const std::string& name);
  RolloutRecord record(const std::string& ns, const std::string& name) const;

  // The same for an Experiment: recorded when its phase, looks or split changed. The time is
  // status.lastUpdateTime (the look's) when it has one, else `now`.
  void observe_experiment(const nlohmann::json& experiment, TimePoint now);
  void forget_experiment(const std::string& ns, const std::string& name);
  ExperimentRecord experiment_record(const std::string& ns, const std::string& name) const;

 private:
  struct Entry {
    RolloutRecord record;
    std::string evidence_time;
  };
  std::size_t max_samples_;
  std::size_t max_decisions_;  // each keeps its evidence: a few KiB
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // "ns/name"
  std::map<std::string, ExperimentRecord> experiments_;
};

}  // namespace veer::dashboard
