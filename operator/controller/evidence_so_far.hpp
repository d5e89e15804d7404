// What an undecided sequential test has shown so far, in words for the status, events, `veer
// status` and alerts: "holding: evidence so far request-success-rate: e-value 2.4 (...)".
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "analysis/stats/sequential_binomial.hpp"

namespace veer::controller {

// Looks until the log likelihood ratio reaches a boundary (±log(1/alpha)) if it keeps moving at
// its average drift per error so far, with the last look's errors as the current traffic.
// Nothing when it cannot be estimated (no drift, no errors in the last look).
std::optional<int> looks_to_decision(const analysis::stats::SequentialState& before,
                                     const analysis::stats::SequentialState& after, double alpha);

// "request-success-rate: e-value 2.40 (rolls back at 20, promotes at 0.05); canary 12 errors in
// 1180 requests, primary 95 in 10620; about 4m to a decision at the current traffic"
std::string evidence_so_far(const std::string& metric,
                            const analysis::stats::SequentialState& before,
                            const analysis::stats::SequentialState& after, double alpha,
                            std::chrono::milliseconds interval);

}  // namespace veer::controller
