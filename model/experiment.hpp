// The Experiment kind (veer's own, after iter8): a baseline and one or more candidates run side
// by side under a traffic strategy, judged by objectives (pass/fail limits) and rewards
// (which version is best), with a status that lets a restarted operator resume it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"
#include "model/object_meta.hpp"
#include "model/validation.hpp"

namespace veer::model {

struct ExperimentVersion {
  std::string name;            // unique among baseline and candidates, e.g. "v1"
  ObjectReference target_ref;  // the Deployment serving this version
};

// A metric measured per version (no thresholds here: objectives and rewards judge it).
struct ExperimentMetric {
  std::string name;
  std::chrono::milliseconds interval{60'000};
  std::string query;
  std::optional<NamedReference> template_ref;
  std::map<std::string, std::string> template_variables;
};

struct Objective {
  std::string metric;  // a spec.metrics name
  std::optional<double> upper_limit;
  std::optional<double> lower_limit;
  bool rollback_on_failure = false;  // a failing baseline/winner-to-be aborts the experiment
  // veer: non-inferiority against the baseline, on the rate of "bad" events (one of the two).
  std::optional<double> margin;           // absolute, in the metric's unit
  std::optional<double> relative_margin;  // relative to the baseline (0.1 = 10% more bad events)
  // Which way is good (high: the bad events are the non-events). Set, or implied by a single
  // limit (lowerLimit alone: high; upperLimit alone: low).
  std::optional<Direction> preferred;
};

struct Reward {
  std::string metric;
  Direction preferred = Direction::HigherIsBetter;  // "high" | "low"
};

struct ExperimentCriteria {
  std::string request_count;  // the metric counting requests per version ("" = none)
  std::int64_t min_request_count = 0;
  std::vector<Objective> objectives;
  std::vector<Reward> rewards;
  double confidence = 0.99;  // veer: of a winner (best on the reward) and of each guardrail
};

// Performance: load only (from `veer experiment run` or any load tool aimed at the version
// Services), no traffic shift; every version judged on absolute limits.
enum class TestingPattern { Canary, ABTesting, ABNTesting, Conformance, Performance };
enum class TrafficStrategy { Progressive, Top2, Uniform, FixedSplit, Thompson };

struct ExperimentStrategy {
  TestingPattern testing_pattern = TestingPattern::ABNTesting;
  TrafficStrategy traffic = TrafficStrategy::Progressive;
  std::map<std::string, std::int32_t> fixed_split;  // version -> weight, fixed-split only
  std::int32_t max_candidate_weight = 100;
  std::int32_t max_candidate_weight_increment = 10;
  bool cutoff_on_failure = true;                   // a version failing an objective gets weight 0
  std::int32_t traffic_percentage = 100;           // share of (matching) traffic in the experiment
  nlohmann::json match = nlohmann::json::array();  // only matching requests take part
  std::uint64_t seed = 0;                          // thompson sampling seed (0 = derive from uid)
  std::int32_t burn_in_iterations = 2;             // progressive, top-2, thompson: uniform at first
  std::int32_t min_weight = 10;  // progressive, top-2, thompson: floor of each live version
};

struct ExperimentDuration {
  std::chrono::milliseconds interval{60'000};
  std::int32_t iterations = 10;
};

struct ExperimentSpec {
  std::string provider;
  std::string metrics_server;
  ServiceSpec service;
  std::optional<ObjectReference> ingress_ref;  // provider nginx: the Ingress to the apex Service
  ExperimentVersion baseline;
  std::vector<ExperimentVersion> candidates;
  std::vector<ExperimentMetric> metrics;
  ExperimentCriteria criteria;
  ExperimentStrategy strategy;
  ExperimentDuration duration;
  bool promote_winner = false;  // copy the winner's pod template into the baseline at the end
  std::vector<CanaryAlert> alerts;
  // Gates, as a Canary's: confirm-rollout before the first split, confirm-promotion before the
  // winner's pod template goes into the baseline (promoteWinner).
  std::vector<CanaryWebhook> webhooks;

  // Baseline first, then candidates.
  std::vector<const ExperimentVersion*> versions() const;
};

enum class ExperimentPhase { Pending, Initializing, Running, Completed, Failed, Aborted };

struct VersionStatus {
  std::string name;
  std::int32_t weight = 0;
  std::int64_t request_count = 0;
  std::map<std::string, double> metrics;       // latest value per metric
  std::vector<std::string> failed_objectives;  // objective metric names
  bool cut_off = false;                        // excluded after failing an objective
  double successes = 0;                        // thompson posterior: Beta(1+s, 1+f)
  double failures = 0;
  // performance: "met" (every objective proven held), "missed" (one proven violated) or
  // "unknown" (not yet proven either way); "" for the other patterns.
  std::string objectives;
};

struct ExperimentStatus {
  ExperimentPhase phase = ExperimentPhase::Pending;
  std::int32_t completed_iterations = 0;
  std::string start_time;        // RFC 3339
  std::string last_update_time;  // RFC 3339
  std::vector<VersionStatus> versions;
  std::string winner;  // "" until found
  std::string message;
  // The provider the routes were last applied through: a change of spec.provider retires that
  // router's objects before the new one routes ("" until the first routes).
  std::string router;
  std::vector<Condition> conditions;
  std::int64_t observed_generation = 0;
  nlohmann::json evidence = nlohmann::json::object();  // per-iteration detail, analysis-owned
};

struct Experiment {
  std::string api_version = "veer.dev/v1beta1";
  std::string kind = "Experiment";
  ObjectMeta metadata;
  ExperimentSpec spec;
  ExperimentStatus status;
};

Parsed<Experiment> parse_experiment(const nlohmann::json& document);
nlohmann::json to_json(const ExperimentStatus& status);
Parsed<ExperimentStatus> parse_experiment_status(const nlohmann::json& status);

std::string_view to_string(ExperimentPhase phase);
std::string_view to_string(
    TestingPattern pattern);  // canary | ab | abn | conformance | performance
std::string_view to_string(TrafficStrategy strategy);  // progressive | top-2 | ...

}  // namespace veer::model
