#include "analysis/providers/series_api.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <chrono>

namespace veer::analysis {

Outcome<std::string> fetch_body(const http::Request& request, const std::string& where,
                                const ErrorExplainer& explain) {
  auto response = http::send(request);
  if (!response) return fail(where + ": " + response.error().message);
  if (response->status < 200 || response->status >= 300) {
    const std::string status = where + ": HTTP " + std::to_string(response->status);
    if (explain) {
      if (auto message = explain(response->body)) return fail(status + ": " + *message);
    }
    return fail(status + ": " + http::printable_excerpt(response->body));
  }
  return std::move(response).value().body;
}

Outcome<double> latest_value(MetricsSource& source, const std::string& query,
                             double lookback_seconds, std::optional<double> at_unix_seconds) {
  const double end =
      at_unix_seconds
          ? *at_unix_seconds
          : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  auto values = source.range(query, end, lookback_seconds, 0);
  if (!values) return Error{values.error()};
  return values->back();
}

}  // namespace veer::analysis
