// New Relic's Insights query API (GET <address>/v1/accounts/<id>/query?nrql=..., header
// `X-Query-Key`) as a MetricsSource, with Flagger's Secret keys `newrelic_account_id` and
// `newrelic_query_key`. Like Flagger, a query without a SINCE clause gets one appended.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

struct NewRelicConfig {
  std::string address = "https://insights-api.newrelic.com";
  std::string account_id;
  std::string query_key;
  double lookback_seconds = 60;  // instant(): "SINCE 60 seconds ago" when the query has no SINCE
  std::chrono::milliseconds timeout{5000};
};

void apply_newrelic_secret(NewRelicConfig& config,
                           const std::map<std::string, std::string>& secret);

class NewRelicSource : public MetricsSource {
 public:
  explicit NewRelicSource(NewRelicConfig config);
  Outcome<double> instant(const std::string& query,
                          std::optional<double> at_unix_seconds = std::nullopt) override;
  // Appends SINCE/UNTIL (when the query has no SINCE) and TIMESERIES (when it has none).
  Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                     double window_seconds, double step_seconds) override;

 private:
  Outcome<std::string> get(const std::string& nrql);
  std::string where(const std::string& nrql) const;
  NewRelicConfig config_;
};

// True when `nrql` has `keyword` (e.g. "SINCE") as a word outside quoted strings.
bool nrql_has_clause(const std::string& nrql, const std::string& keyword);

// The one value of a `results` response (one result with one number). `where` names the URL
// and query. No data, several results, facets and errors are errors that say so.
Outcome<double> parse_newrelic_value(const std::string& body, const std::string& where);
// The non-null values of a TIMESERIES response, one per bucket.
Outcome<std::vector<double>> parse_newrelic_series(const std::string& body,
                                                   const std::string& where);

}  // namespace veer::analysis
