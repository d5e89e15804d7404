// What the assessment carries from one look to the next, as JSON for the Experiment's
// status.evidence.state, so that a restarted operator resumes every test where it was.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiment/counts.hpp"
#include "analysis/outcome.hpp"
#include "analysis/stats/sample_ratio.hpp"
#include "analysis/stats/sequential_binomial.hpp"

namespace veer::analysis::experiment {

struct VersionState {
  std::string name;
  VersionCounts last;  // the cumulative counts of the previous look (for this look's increments)
  std::map<std::string, stats::SequentialState> non_inferiority;  // by guardrail metric
  stats::SampleRatioState sample_ratio;
  bool failed = false;  // a guardrail was proven violated: this version cannot win
  std::string failed_reason;
};

struct AssessmentState {
  std::int32_t looks = 0;
  std::vector<VersionState> versions;  // baseline first, in the config's order
};

nlohmann::json to_json(const AssessmentState& state);
// Fails, naming the field, on a missing or mistyped field.
Outcome<AssessmentState> parse_assessment_state(const nlohmann::json& json);

}  // namespace veer::analysis::experiment
