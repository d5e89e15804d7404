// Graphite's render API (GET /render?target=...&format=json) as a MetricsSource. The value is the
// last non-null datapoint of the one series.
#pragma once

#include <chrono>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

struct GraphiteConfig {
  std::string address;
  std::optional<http::BasicAuth> basic_auth;  // Secret keys `username` / `password`
  double lookback_seconds = 300;
  std::chrono::milliseconds timeout{5000};
};

class GraphiteSource : public MetricsSource {
 public:
  explicit GraphiteSource(GraphiteConfig config);
  Outcome<double> instant(const std::string& query,
                          std::optional<double> at_unix_seconds = std::nullopt) override;
  Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                     double window_seconds, double step_seconds) override;

 private:
  GraphiteConfig config_;
};

Outcome<std::vector<double>> parse_graphite_render(const std::string& body,
                                                   const std::string& where);

}  // namespace veer::analysis
