// The Prometheus HTTP API (/api/v1/query and /api/v1/query_range) as a MetricsSource.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

struct PrometheusConfig {
  std::string address;  // http(s)://host:port[/prefix]
  std::vector<std::pair<std::string, std::string>> headers;
  std::string bearer_token;
  std::optional<http::BasicAuth> basic_auth;
  std::string proxy;
  bool insecure_skip_verify = false;
  std::chrono::milliseconds timeout{5000};
};

// Credentials from a Secret's data, as Flagger reads them: `token`, or `username` + `password`.
void apply_secret(PrometheusConfig& config, const std::map<std::string, std::string>& secret);

class PrometheusSource : public MetricsSource {
 public:
  explicit PrometheusSource(PrometheusConfig config);
  Outcome<double> instant(const std::string& query,
                          std::optional<double> at_unix_seconds = std::nullopt) override;
  Outcome<std::vector<double>> range(const std::string& query, double end_unix_seconds,
                                     double window_seconds, double step_seconds) override;

 private:
  Outcome<std::string> get(const std::string& path_and_query, const std::string& query);
  // "Prometheus <address, redacted> query \"...\"", how every message names the call.
  std::string describe(const std::string& query) const;
  PrometheusConfig config_;
};

// Response parsing, separate so it can be tested on recorded bodies. `where` names the URL and
// query in messages.
Outcome<double> parse_prometheus_instant(const std::string& body, const std::string& where);
Outcome<std::vector<double>> parse_prometheus_range(const std::string& body,
                                                    const std::string& where);

}  // namespace veer::analysis
