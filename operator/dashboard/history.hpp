// What the dashboard remembers of each Canary beyond its status: the status keeps only the last
// verdicts and the last 20 steps, so the weight and every metric's canary and primary values over
// time are recorded here, in memory, as statuses change. Lost on restart; bounded per rollout.
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

class History {
 public:
  explicit History(std::size_t max_samples = 2000, std::size_t max_decisions = 200)
      : max_samples_(max_samples), max_decisions_(max_decisions) {}

  // Records `canary` (a Canary object) if its status changed since the last observation. The
  // time is the status's own (the evidence's or the last step's) when it has one, else `now`.
  void observe(const nlohmann::json& canary, TimePoint now);
  void forget(const std::string& ns, const std::string& name);
  RolloutRecord record(const std::string& ns, const std::string& name) const;

 private:
  struct Entry {
    RolloutRecord record;
    std::string evidence_time;
  };
  std::size_t max_samples_;
  std::size_t max_decisions_;  // each keeps its evidence: a few KiB
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // "ns/name"
};

}  // namespace veer::dashboard
