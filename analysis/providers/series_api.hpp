// What the series-only APIs (Datadog, Graphite) share: a GET whose non-2xx status is an error
// naming the source, and "the latest value" as the last point of a window that ends now.
#pragma once

#include <string>

#include "analysis/http/client.hpp"
#include "analysis/providers/metrics_source.hpp"

namespace veer::analysis {

Outcome<std::string> fetch_body(const http::Request& request, const std::string& where);

Outcome<double> latest_value(MetricsSource& source, const std::string& query,
                             double lookback_seconds);

}  // namespace veer::analysis
