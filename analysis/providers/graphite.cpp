#include "analysis/providers/graphite.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/providers/series_api.hpp"

namespace veer::analysis {

Outcome<std::vector<double>> parse_graphite_render(const std::string& body,
                                                   const std::string& where) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return fail(where +
                ": the response is not a JSON list of series: " + http::printable_excerpt(body));
  }
  if (doc.empty()) return fail(where + ": no values found (no series)");
  if (!doc[0].is_object()) {
    return fail(where +
                ": the response is not a JSON list of series: " + http::printable_excerpt(body));
  }
  if (doc.size() > 1) {
    return fail(where + ": the target returned " + std::to_string(doc.size()) +
                " series; it must return one");
  }
  std::vector<double> values;
  // datapoints are [value, timestamp]; value is null where Graphite has no data.
  for (const auto& point : doc[0].value("datapoints", nlohmann::json::array())) {
    if (point.is_array() && !point.empty() && point[0].is_number()) {
      const double v = point[0].get<double>();
      if (std::isfinite(v)) values.push_back(v);
    }
  }
  if (values.empty()) return fail(where + ": no values found (every datapoint is null)");
  return values;
}

GraphiteSource::GraphiteSource(GraphiteConfig config) : config_(std::move(config)) {
  while (!config_.address.empty() && config_.address.back() == '/') config_.address.pop_back();
}

Outcome<std::vector<double>> GraphiteSource::range(const std::string& query,
                                                   double end_unix_seconds, double window_seconds,
                                                   double /*step: Graphite's own resolution*/) {
  http::Request request;
  request.url =
      config_.address + "/render?format=json&target=" + http::url_encode(query) +
      "&from=" + std::to_string(static_cast<long long>(end_unix_seconds - window_seconds)) +
      "&until=" + std::to_string(static_cast<long long>(end_unix_seconds));
  request.basic_auth = config_.basic_auth;
  request.timeout = config_.timeout;
  const std::string where =
      "Graphite " + http::redact(config_.address) + " target \"" + query + "\"";
  auto body = fetch_body(request, where);
  if (!body) return Error{body.error()};
  return parse_graphite_render(*body, where);
}

Outcome<double> GraphiteSource::instant(const std::string& query,
                                        std::optional<double> at_unix_seconds) {
  return latest_value(*this, query, config_.lookback_seconds, at_unix_seconds);
}

}  // namespace veer::analysis
