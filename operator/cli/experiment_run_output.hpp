// What `veer experiment run` prints: a text summary, or the same facts as JSON (-o json).
#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "operator/loadgen/load_generator.hpp"
#include "operator/loadgen/run_assessment.hpp"

namespace veer::cli {

struct ExperimentRunSettings {
  double qps = 0;
  double duration_seconds = 0;
  int connections = 0;
  double confidence = 0.95;
  double relative_margin = 0.1;
};

nlohmann::json experiment_run_json(const loadgen::LoadReport& report,
                                   const loadgen::RunAssessment& assessment,
                                   const ExperimentRunSettings& settings);

void print_experiment_run(const loadgen::LoadReport& report,
                          const loadgen::RunAssessment& assessment,
                          const ExperimentRunSettings& settings, std::ostream& out);

}  // namespace veer::cli
