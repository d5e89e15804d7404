// What `veer experiment run` prints: a text summary, or the same facts as JSON (-o json).
#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "operator/loadgen/load_generator.hpp"
#include "operator/loadgen/run_assessment.hpp"

namespace veer::cli {

nlohmann::json experiment_run_json(const loadgen::LoadReport& report,
                                   const loadgen::RunAssessment& assessment,
                                   const loadgen::RunSettings& settings);

void print_experiment_run(const loadgen::LoadReport& report,
                          const loadgen::RunAssessment& assessment,
                          const loadgen::RunSettings& settings, std::ostream& out);

}  // namespace veer::cli
