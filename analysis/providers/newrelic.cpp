#include "analysis/providers/newrelic.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <cctype>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "analysis/providers/series_api.hpp"

namespace veer::analysis {
namespace {

using nlohmann::json;

// The Insights API explains failures as {"error": "..."} (NRQL syntax errors, bad keys).
std::optional<std::string> newrelic_error(const std::string& body) {
  const auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("error")) return std::nullopt;
  const auto& e = doc["error"];
  return "New Relic error: " +
         (e.is_string() ? http::printable(e.get<std::string>()) : http::printable(e.dump()));
}

Outcome<json> parse_document(const std::string& body, const std::string& where) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(where + ": the response is not JSON: " + http::printable_excerpt(body));
  }
  if (auto message = newrelic_error(body)) return fail(where + ": " + *message);
  if (doc.contains("facets")) {
    const auto n = doc["facets"].is_array() ? doc["facets"].size() : 0;
    return fail(where + ": the query returned " + std::to_string(n) +
                " facets; it must return one series (remove FACET)");
  }
  return doc;
}

// One entry of `results`: {"result": 1.5}, {"average": 1.5}, {"percentile": {"99": 1.5}}, ...
// null means no data. Exactly one value is accepted.
Outcome<std::optional<double>> result_value(const json& results, const std::string& where) {
  if (!results.is_array() || results.empty()) return fail(where + ": no values found (no results)");
  if (results.size() > 1) {
    return fail(where + ": the query returned " + std::to_string(results.size()) +
                " results; it must select one value");
  }
  json value = results[0];
  // Nested maps (percentiles) and one-key objects: descend while there is a single member.
  while (value.is_object() && value.size() == 1) value = value.begin().value();
  if (value.is_null()) return std::optional<double>();
  if (!value.is_number()) {
    return fail(where +
                ": the result is not one number: " + http::printable_excerpt(results[0].dump()));
  }
  const double v = value.get<double>();
  if (!std::isfinite(v)) return std::optional<double>();
  return std::optional<double>(v);
}

}  // namespace

void apply_newrelic_secret(NewRelicConfig& config,
                           const std::map<std::string, std::string>& secret) {
  if (auto k = secret.find("newrelic_account_id"); k != secret.end()) config.account_id = k->second;
  if (auto k = secret.find("newrelic_query_key"); k != secret.end()) config.query_key = k->second;
}

bool nrql_has_clause(const std::string& nrql, const std::string& keyword) {
  char quote = 0;
  for (std::size_t i = 0; i < nrql.size(); ++i) {
    const char c = nrql[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      continue;
    }
    const bool starts_word =
        i == 0 || !(std::isalnum(static_cast<unsigned char>(nrql[i - 1])) || nrql[i - 1] == '_');
    if (!starts_word || i + keyword.size() > nrql.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < keyword.size() && same; ++k) {
      same = std::toupper(static_cast<unsigned char>(nrql[i + k])) ==
             std::toupper(static_cast<unsigned char>(keyword[k]));
    }
    const std::size_t after = i + keyword.size();
    if (same && (after == nrql.size() ||
                 !(std::isalnum(static_cast<unsigned char>(nrql[after])) || nrql[after] == '_'))) {
      return true;
    }
  }
  return false;
}

Outcome<double> parse_newrelic_value(const std::string& body, const std::string& where) {
  auto doc = parse_document(body, where);
  if (!doc) return Error{doc.error()};
  if (doc->contains("timeSeries")) {
    return fail(where + ": the query returned a time series; remove TIMESERIES for one value");
  }
  auto value = result_value(doc->value("results", json()), where);
  if (!value) return Error{value.error()};
  if (!value->has_value()) return fail(where + ": no values found (the result is null)");
  return **value;
}

Outcome<std::vector<double>> parse_newrelic_series(const std::string& body,
                                                   const std::string& where) {
  auto doc = parse_document(body, where);
  if (!doc) return Error{doc.error()};
  if (!doc->contains("timeSeries")) {
    // A query without buckets is one value: a series of one.
    auto value = result_value(doc->value("results", json()), where);
    if (!value) return Error{value.error()};
    if (!value->has_value()) return fail(where + ": no values found (the result is null)");
    return std::vector<double>{**value};
  }
  std::vector<double> values;
  for (const auto& bucket : (*doc)["timeSeries"]) {
    if (!bucket.is_object())
      return fail(where + ": malformed timeSeries bucket " +
                  http::printable_excerpt(bucket.dump()));
    auto value = result_value(bucket.value("results", json()), where);
    if (!value) return Error{value.error()};
    if (value->has_value()) values.push_back(**value);
  }
  if (values.empty()) return fail(where + ": no values found (every bucket is null)");
  return values;
}

NewRelicSource::NewRelicSource(NewRelicConfig config) : config_(std::move(config)) {
  while (!config_.address.empty() && config_.address.back() == '/') config_.address.pop_back();
}

std::string NewRelicSource::where(const std::string& nrql) const {
  return "New Relic " + http::redact(config_.address) + " account " + config_.account_id +
         " query \"" + nrql + "\"";
}

Outcome<std::string> NewRelicSource::get(const std::string& nrql) {
  http::Request request;
  request.url = config_.address + "/v1/accounts/" + http::url_encode(config_.account_id) +
                "/query?nrql=" + http::url_encode(nrql);
  request.headers = {{"X-Query-Key", config_.query_key}, {"Accept", "application/json"}};
  request.timeout = config_.timeout;
  return fetch_body(request, where(nrql), newrelic_error);
}

Outcome<double> NewRelicSource::instant(const std::string& query,
                                        std::optional<double> at_unix_seconds) {
  std::string nrql = query;
  if (!nrql_has_clause(nrql, "SINCE") && at_unix_seconds) {
    // The lookback window that ends at the evaluation time, in epoch milliseconds.
    nrql += " SINCE " +
            std::to_string(std::llround((*at_unix_seconds - config_.lookback_seconds) * 1000)) +
            " UNTIL " + std::to_string(std::llround(*at_unix_seconds * 1000));
  } else if (!nrql_has_clause(nrql, "SINCE")) {
    nrql += " SINCE " + std::to_string(std::llround(config_.lookback_seconds)) + " seconds ago";
  }
  auto body = get(nrql);
  if (!body) return Error{body.error()};
  return parse_newrelic_value(*body, where(nrql));
}

Outcome<std::vector<double>> NewRelicSource::range(const std::string& query,
                                                   double end_unix_seconds, double window_seconds,
                                                   double step_seconds) {
  std::string nrql = query;
  if (!nrql_has_clause(nrql, "SINCE")) {
    // NRQL takes epoch milliseconds for SINCE and UNTIL.
    nrql += " SINCE " + std::to_string(std::llround((end_unix_seconds - window_seconds) * 1000)) +
            " UNTIL " + std::to_string(std::llround(end_unix_seconds * 1000));
  }
  if (!nrql_has_clause(nrql, "TIMESERIES")) {
    nrql += step_seconds >= 1
                ? " TIMESERIES " + std::to_string(std::llround(step_seconds)) + " seconds"
                : std::string(" TIMESERIES AUTO");
  }
  auto body = get(nrql);
  if (!body) return Error{body.error()};
  return parse_newrelic_series(*body, where(nrql));
}

}  // namespace veer::analysis
