// `veer status`'s table of Experiments, from their status alone: phase, looks taken, each
// version's weight (a cut-off version marked "x"), P(best) from the last look, the winner and the
// message.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::controller::experiment {

struct ExperimentRow {
  std::string ns;
  std::string name;
  std::string phase;
  std::string looks;    // "6/24"
  std::string weights;  // "current=40 express=45 one-page=15x"
  std::string p_best;   // "express 0.93" (the most likely best), "" before a reward look
  std::string winner;
  std::string message;
};

ExperimentRow experiment_row(const nlohmann::json& experiment);
std::string render_experiment_table(const std::vector<ExperimentRow>& rows);

}  // namespace veer::controller::experiment
