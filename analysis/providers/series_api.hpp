// What the non-Prometheus APIs (Datadog, Graphite, InfluxDB, New Relic) share: a request whose
// non-2xx status is an error naming the source (with the API's own message when its body has
// one), and "the latest value" as the last point of a window that ends now.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "http/client.hpp"

namespace veer::analysis {

// Finds the API's error message in a response body; nothing when the body has none.
using ErrorExplainer = std::function<std::optional<std::string>(const std::string& body)>;

Outcome<std::string> fetch_body(const http::Request& request, const std::string& where,
                                const ErrorExplainer& explain = {});

// The last point of the window of `lookback_seconds` that ends at `at_unix_seconds` (default now).
Outcome<double> latest_value(MetricsSource& source, const std::string& query,
                             double lookback_seconds, std::optional<double> at_unix_seconds);

}  // namespace veer::analysis
