#include "analysis/providers/datadog.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/providers/series_api.hpp"

namespace veer::analysis {
namespace {

// Datadog explains a refused request as {"errors": ["..."]}.
std::optional<std::string> datadog_error(const std::string& body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("errors")) return std::nullopt;
  const auto& e = doc["errors"];
  return "Datadog error: " +
         (e.is_array() && e.size() == 1 && e[0].is_string() ? e[0].get<std::string>() : e.dump());
}

}  // namespace

void apply_datadog_secret(DatadogConfig& config, const std::map<std::string, std::string>& secret) {
  if (auto k = secret.find("datadog_api_key"); k != secret.end()) config.api_key = k->second;
  if (auto k = secret.find("datadog_application_key"); k != secret.end()) {
    config.application_key = k->second;
  }
}

Outcome<std::vector<double>> parse_datadog_series(const std::string& body,
                                                  const std::string& where) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(where + ": the response is not JSON: " + http::printable_excerpt(body));
  }
  // Every field is checked for its type: a body of any shape is an error, never an exception.
  if (doc.value("status", nlohmann::json()) == "error" || doc.contains("errors")) {
    const auto e = doc.value("errors", doc.value("error", nlohmann::json()));
    return fail(
        where + ": Datadog error: " +
        (e.is_string() ? http::printable(e.get<std::string>()) : http::printable(e.dump())));
  }
  const auto series = doc.value("series", nlohmann::json::array());
  if (!series.is_array() || (!series.empty() && !series[0].is_object())) {
    return fail(where + ": the response's series is not a list of series: " +
                http::printable_excerpt(body));
  }
  if (series.empty()) return fail(where + ": no values found (no series)");
  if (series.size() > 1) {
    return fail(where + ": the query returned " + std::to_string(series.size()) +
                " series; it must return one");
  }
  std::vector<double> values;
  for (const auto& point : series[0].value("pointlist", nlohmann::json::array())) {
    if (point.is_array() && point.size() == 2 && point[1].is_number()) {
      const double v = point[1].get<double>();
      if (std::isfinite(v)) values.push_back(v);
    }
  }
  if (values.empty()) return fail(where + ": no values found (every point is null)");
  return values;
}

DatadogSource::DatadogSource(DatadogConfig config) : config_(std::move(config)) {
  while (!config_.address.empty() && config_.address.back() == '/') config_.address.pop_back();
}

Outcome<std::vector<double>> DatadogSource::range(const std::string& query, double end_unix_seconds,
                                                  double window_seconds,
                                                  double /*step: Datadog picks the rollup*/) {
  http::Request request;
  request.url = config_.address + "/api/v1/query?from=" +
                std::to_string(static_cast<long long>(end_unix_seconds - window_seconds)) +
                "&to=" + std::to_string(static_cast<long long>(end_unix_seconds)) +
                "&query=" + http::url_encode(query);
  request.headers = {{"DD-API-KEY", config_.api_key},
                     {"DD-APPLICATION-KEY", config_.application_key},
                     {"Accept", "application/json"}};
  request.timeout = config_.timeout;
  const std::string where = "Datadog " + http::redact(config_.address) + " query \"" + query + "\"";
  auto body = fetch_body(request, where, datadog_error);
  if (!body) return Error{body.error()};
  return parse_datadog_series(*body, where);
}

Outcome<double> DatadogSource::instant(const std::string& query,
                                       std::optional<double> at_unix_seconds) {
  return latest_value(*this, query, config_.lookback_seconds, at_unix_seconds);
}

}  // namespace veer::analysis
