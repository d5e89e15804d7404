// The analysis every end-to-end Canary is judged by: veer's two built-in metrics with the
// thresholds Flagger's examples use, over `window`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace veer::e2e {

// spec.analysis.metrics: request-success-rate >= 99 (%), request-duration <= 500 (ms).
nlohmann::json builtin_metrics(const std::string& window = "1m");

}  // namespace veer::e2e
