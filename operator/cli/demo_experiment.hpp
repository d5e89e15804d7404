// `veer demo --experiment`: examples/experiment/abn-thompson.yaml (an A/B/n Experiment on Istio
// with Thompson sampling) run by the real Experiment reconciler and the real counts source on the
// in-memory cluster under a simulated clock, with simulated traffic in which `express` converts
// best. Prints every look's weights and assessment and ends with express promoted.
#pragma once

#include <chrono>
#include <ostream>

namespace veer::cli {

// 0 when the known-best version won and was promoted, 1 otherwise.
int run_experiment_demo(std::ostream& out, std::ostream& err, std::chrono::milliseconds pace);

}  // namespace veer::cli
