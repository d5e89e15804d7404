// What one look writes into an Experiment's status.versions[]: each version's new weight, its
// cumulative requests, its metrics (the cumulative rate in the metric's unit), the objectives it
// was proven to violate, whether it is cut off, and the reward's posterior counts.
#pragma once

#include <vector>

#include "analysis/experiment/counts.hpp"
#include "analysis/experiment/experiment_step.hpp"
#include "model/experiment.hpp"

namespace veer::controller::experiment {

// `counts`: the cumulative counts the step judged (any order; a version without counts keeps 0).
std::vector<model::VersionStatus> versions_after_step(
    const model::ExperimentSpec& spec, const analysis::experiment::ExperimentStep& step,
    const std::vector<analysis::experiment::VersionCounts>& counts);

}  // namespace veer::controller::experiment
