#include "operator/controller/experiment/cumulative_counts.hpp"

#include "analysis/experiment/assessment_state.hpp"

namespace veer::controller::experiment {

namespace ax = analysis::experiment;

base::Outcome<std::vector<ax::VersionCounts>> cumulative_counts(
    const model::ExperimentStatus& status, const std::vector<ax::VersionCounts>& window) {
  ax::AssessmentState previous;
  if (status.evidence.is_object() && status.evidence.contains("state")) {
    auto parsed = ax::parse_assessment_state(status.evidence["state"]);
    if (!parsed) return base::fail("status.evidence." + parsed.error().message);
    previous = *parsed;
  }
  std::vector<ax::VersionCounts> out;
  for (const auto& w : window) {
    ax::VersionCounts total = w;
    for (const auto& v : previous.versions) {
      if (v.name != w.name) continue;
      total.requests += v.last.requests;
      for (const auto& [metric, counts] : v.last.metrics) {
        auto& t = total.metrics[metric];
        t.events += counts.events;
        t.trials += counts.trials;
      }
    }
    out.push_back(std::move(total));
  }
  return out;
}

}  // namespace veer::controller::experiment
