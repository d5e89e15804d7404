// Experiments for the tests: an A/B/n experiment on istio with a baseline and two candidates,
// judged on request-success-rate (a guardrail) and conversion-rate (the reward); and a
// performance experiment of the same versions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "model/experiment.hpp"

namespace veer::controller::experiment::testing {

nlohmann::json experiment_json(const std::string& provider = "istio");
// The same versions in a performance experiment: load only, judged on request-success-rate >= 99
// and slow-requests (the share slower than 300 ms) <= 5%, i.e. p95 <= 300 ms.
nlohmann::json performance_json();
model::Experiment parsed(const nlohmann::json& document);
// The user's own VirtualService for the experiment's host, all to the apex Service: veer adopts
// it, and gives it back as it was.
nlohmann::json user_virtual_service();

}  // namespace veer::controller::experiment::testing
