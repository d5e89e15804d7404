// Experiments for the tests: an A/B/n experiment on istio with a baseline and two candidates,
// judged on request-success-rate (a guardrail) and conversion-rate (the reward).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "model/experiment.hpp"

namespace veer::controller::experiment::testing {

nlohmann::json experiment_json(const std::string& provider = "istio");
model::Experiment parsed(const nlohmann::json& document);

}  // namespace veer::controller::experiment::testing
