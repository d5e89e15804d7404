// The client's rate limit to the API server when `veer operator --kube-api-qps auto` (the
// default): enough for every Canary and Experiment in the cache to step at the same moment, so
// a fleet rolling out at once never waits on its own client. A step costs about 3.8 writes on
// average over a rollout (bench/scale/results.md), so each object adds 4 writes per analysis
// interval to a floor of 100 a second (Flagger's default, for start-up lists and the rest); the
// burst is 2.5 times the rate (100/250 again at the floor). The limit is a ceiling, not a pace:
// idle objects write nothing. A number given to the flag is used as it is.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::runtime {

struct ClientRate {
  double qps = 0;
  int burst = 0;
  bool operator==(const ClientRate&) const = default;
};

struct FleetRateSettings {
  std::optional<double> qps;  // nullopt: auto (the floor plus the fleet's need)
  std::optional<int> burst;   // nullopt: auto (2.5 times the rate in use)
  // A shorter interval counts as this one: the controller floors it so (Flagger's 10 s).
  std::chrono::milliseconds min_interval{10'000};
};

class FleetRate {
 public:
  static constexpr double kFloorQps = 100;
  static constexpr double kWritesPerStep = 4;
  static constexpr double kBurstPerQps = 2.5;

  using Apply = std::function<void(const ClientRate&)>;
  // Calls `apply` with the rate for an empty fleet at once, then at each change.
  FleetRate(FleetRateSettings settings, Apply apply);

  ClientRate rate() const;

  // An object (by key) that steps every `interval`; again whenever it is seen (a change of its
  // interval moves the rate, the same interval does nothing).
  void set(const std::string& key, std::chrono::milliseconds interval);
  void forget(const std::string& key);

  // veer_kube_api_qps_limit and veer_kube_api_burst_limit in Prometheus' text format.
  std::string prometheus_text() const;

 private:
  ClientRate rate_locked() const;
  void changed_locked();

  FleetRateSettings settings_;
  Apply apply_;
  mutable std::mutex mutex_;
  std::map<std::string, std::chrono::milliseconds> intervals_;  // by key
  // How many objects step at each interval: the need summed exactly, without a running float.
  std::map<std::chrono::milliseconds, std::size_t> by_interval_;
  ClientRate applied_;
};

// How often a Canary steps (spec.analysis.interval, 1m when unset or unreadable) and an
// Experiment (spec.duration.interval, the same default).
std::chrono::milliseconds canary_step_interval(const kube::Json& canary);
std::chrono::milliseconds experiment_step_interval(const kube::Json& experiment);

}  // namespace veer::runtime
