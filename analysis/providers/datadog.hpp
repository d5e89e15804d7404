// Datadog's metric query API (GET /api/v1/query) as a MetricsSource, with Flagger's secret keys
// `datadog_api_key` and `datadog_application_key`. The value is the last point of the one series.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

struct DatadogConfig {
  std::string address = "https://api.datadoghq.com";
  std::string api_key;
  std::string application_key;
  double lookback_seconds = 300;  // instant(): the window ending now
  std::chrono::milliseconds timeout{5000};
};

void apply_datadog_secret(DatadogConfig& config, const std::map<std::string, std::string>& secret);

class DatadogSource : public MetricsSource {
 public:
  explicit DatadogSource(DatadogConfig config);
  Outcome<double> instant(const std::string& query,
                          std::optional<double> at_unix_seconds = std::nullopt) override;
  Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                     double window_seconds, double step_seconds) override;

 private:
  DatadogConfig config_;
};

// The non-null points of the single series in a /api/v1/query response.
Outcome<std::vector<double>> parse_datadog_series(const std::string& body,
                                                  const std::string& where);

}  // namespace veer::analysis
