// The call a controller makes at each Experiment interval: from the spec, every version's
// cumulative counts and the previous status, the decision, the next weights and the evidence to
// store. Pure: the state it needs next time is inside the evidence it returns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiment/assessment.hpp"
#include "analysis/outcome.hpp"
#include "model/experiment.hpp"

namespace veer::analysis::experiment {

struct ExperimentStep {
  Assessment assessment;
  std::map<std::string, std::int32_t> weights;  // the split to write now (all to the winner's
                                                // side is the controller's promotion, not this)
  nlohmann::json evidence;                      // for status.evidence (holds the state)
};

// `status`: the previous status (its versions[].weight are the weights in effect since the last
// look; its evidence.state the tests so far). `uid` seeds Thompson sampling when spec.strategy.seed
// is 0. Fails on impossible counts or an unreadable evidence.state (naming the field).
Outcome<ExperimentStep> experiment_step(const model::ExperimentSpec& spec, std::string_view uid,
                                        const model::ExperimentStatus& status,
                                        const std::vector<VersionCounts>& counts);

}  // namespace veer::analysis::experiment
