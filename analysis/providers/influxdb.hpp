// InfluxDB 2.x's Flux query API (POST /api/v2/query?org=..., `Authorization: Token ...`,
// annotated CSV back) as a MetricsSource, with Flagger's Secret keys `token` and `org`. The
// template's Flux query chooses its own window (e.g. range(start: -{{ interval }})).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

struct InfluxdbConfig {
  std::string address;  // http(s)://host:8086
  std::string token;
  std::string org;  // name or ID
  std::vector<std::pair<std::string, std::string>> headers;
  bool insecure_skip_verify = false;
  std::chrono::milliseconds timeout{5000};
};

void apply_influxdb_secret(InfluxdbConfig& config,
                           const std::map<std::string, std::string>& secret);

class InfluxdbSource : public MetricsSource {
 public:
  explicit InfluxdbSource(InfluxdbConfig config);
  // The one value of the one table: several tables or rows are errors ("aggregate it").
  Outcome<double> instant(const std::string& query,
                          std::optional<double> at_unix_seconds = std::nullopt) override;
  // The non-null values of the one table, in order; the window is the query's own.
  Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                     double window_seconds, double step_seconds) override;

 private:
  Outcome<std::vector<double>> values(const std::string& query);
  InfluxdbConfig config_;
};

// The non-null `_value`s of the single series in a response body; `where` names URL and query.
Outcome<std::vector<double>> parse_influxdb_values(const std::string& body,
                                                   const std::string& where);

}  // namespace veer::analysis
