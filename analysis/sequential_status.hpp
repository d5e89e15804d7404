// The sequential test's state as JSON, for the Canary status (status.evidence.<metric>.state),
// so a restarted operator resumes the same test.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/outcome.hpp"
#include "analysis/stats/sequential_binomial.hpp"

namespace veer::analysis {

nlohmann::json to_json(const stats::SequentialState& state);
// Fails, naming the field, on a missing or mistyped field.
Outcome<stats::SequentialState> parse_sequential_state(const nlohmann::json& json);

}  // namespace veer::analysis
