// The dashboard's pages as HTML text, from Canary (and Experiment) objects, their Events and the
// recorded history. Pure functions: no I/O, every document value escaped.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/dashboard/history.hpp"

namespace veer::dashboard {

// A whole page: the embedded style sheet, a header naming the user ("" before login) and `body`.
std::string page(const std::string& title, const std::string& user, const std::string& csrf,
                 const std::string& body);

std::string login_body(const std::string& problem);

// Every visible Canary (phase, weight, last verdict, time to decision) and Experiment.
std::string index_body(const std::vector<nlohmann::json>& canaries,
                       const std::vector<nlohmann::json>& experiments, TimePoint now);

struct RolloutView {
  nlohmann::json canary;
  RolloutRecord record;
  std::vector<nlohmann::json> events;  // v1 Events about this Canary
  bool actions = false;                // show the action buttons
  std::string csrf;                    // for the action forms
  std::string notice;                  // the result of an action just taken
  TimePoint now;
};

std::string rollout_body(const RolloutView& view);

struct ExperimentView {
  nlohmann::json experiment;
  ExperimentRecord record;
  std::vector<nlohmann::json> events;  // v1 Events about this Experiment
  TimePoint now;
};

// One Experiment: each version's weight, reward and P(best) over time with the decisions marked,
// the last look's assessment per version (guardrails, reward, sample-ratio guard) and the evidence
// of every recorded decision.
std::string experiment_body(const ExperimentView& view);

// "1h2m3s", "45s".
std::string duration_text(long long seconds);

}  // namespace veer::dashboard
