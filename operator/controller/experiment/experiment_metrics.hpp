// Where an Experiment's per-version counts come from: each version's requests and, for each
// metric, its events out of trials over one look's window. The operator's implementation runs
// the metric queries through the Canary's provider path (runtime/experiment_counts_source.hpp);
// tests script them.
#pragma once

#include <vector>

#include "analysis/experiment/counts.hpp"
#include "base/result.hpp"
#include "model/experiment.hpp"

namespace veer::controller::experiment {

class ExperimentMetrics {
 public:
  virtual ~ExperimentMetrics() = default;
  // The counts of every version over the `window_seconds` ending now (not cumulative). Fails
  // naming the version, metric and query when one cannot be read: a look counts every version
  // or none.
  virtual base::Outcome<std::vector<analysis::experiment::VersionCounts>> measure(
      const model::Experiment& experiment, double window_seconds) = 0;
};

}  // namespace veer::controller::experiment
