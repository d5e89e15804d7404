// Where metric values come from. One implementation per provider (prometheus, datadog, ...);
// tests and the benchmark may use their own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis {

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // One number, evaluated now or at `at_unix_seconds` (each provider says how it honours the
  // time). No data, NaN, ±Inf and several series are errors that say so.
  virtual Outcome<double> instant(const std::string& query,
                                  std::optional<double> at_unix_seconds = std::nullopt) = 0;
  // The values of one series over [end - window_seconds, end], one every step_seconds.
  virtual Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                             double window_seconds, double step_seconds) = 0;
};

}  // namespace veer::analysis
