// The counts an Experiment is judged on are cumulative since it started; a look measures only
// its own window. The running totals live in the status (status.evidence.state.versions[].last,
// kept by the assessment), so a restarted operator adds to the same totals.
#pragma once

#include <vector>

#include "analysis/experiment/counts.hpp"
#include "base/result.hpp"
#include "model/experiment.hpp"

namespace veer::controller::experiment {

// The previous totals in `status` plus `window`. Fails when status.evidence.state is unreadable.
base::Outcome<std::vector<analysis::experiment::VersionCounts>> cumulative_counts(
    const model::ExperimentStatus& status,
    const std::vector<analysis::experiment::VersionCounts>& window);

}  // namespace veer::controller::experiment
