#include "analysis/providers/prometheus.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

namespace veer::analysis {
namespace {

using nlohmann::json;

std::string text_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

Outcome<json> parse_data(const std::string& body, const std::string& where) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(where + ": the response is not JSON: " + http::printable_excerpt(body));
  }
  const auto status = text_field(doc, "status");
  if (status == "error") {
    const auto type = text_field(doc, "errorType");
    return fail(where + ": Prometheus error (" + http::printable(type.empty() ? "unknown" : type) +
                "): " + http::printable(text_field(doc, "error")));
  }
  if (status != "success" || !doc.contains("data") || !doc["data"].is_object()) {
    return fail(where + ": unexpected response (no status \"success\" with data): " +
                http::printable_excerpt(body));
  }
  return doc["data"];
}

// A sample is [timestamp, "value"]; Prometheus writes values as strings ("NaN", "+Inf" too).
Outcome<double> sample_value(const json& sample, const std::string& where) {
  if (!sample.is_array() || sample.size() != 2 || !sample[1].is_string()) {
    return fail(where + ": malformed sample " + http::printable(sample.dump()));
  }
  const std::string text = sample[1].get<std::string>();
  double value = 0;
  if (text == "NaN") {
    value = NAN;
  } else if (text == "+Inf" || text == "Inf") {
    value = INFINITY;
  } else if (text == "-Inf") {
    value = -INFINITY;
  } else {
    std::istringstream in(text);
    in >> value;
    if (in.fail()) return fail(where + ": the sample value \"" + text + "\" is not a number");
  }
  return value;
}

Outcome<double> finite(Outcome<double> value, const std::string& where) {
  if (!value) return value;
  if (std::isnan(*value)) return fail(where + ": no values found (the result is NaN)");
  if (std::isinf(*value))
    return fail(where + ": the result is infinite (" + std::string(*value > 0 ? "+Inf" : "-Inf") +
                ")");
  return value;
}

}  // namespace

void apply_secret(PrometheusConfig& config, const std::map<std::string, std::string>& secret) {
  if (auto token = secret.find("token"); token != secret.end() && !token->second.empty()) {
    config.bearer_token = token->second;
  }
  auto user = secret.find("username");
  auto password = secret.find("password");
  if (user != secret.end() && password != secret.end()) {
    config.basic_auth = http::BasicAuth{user->second, password->second};
  }
}

Outcome<double> parse_prometheus_instant(const std::string& body, const std::string& where) {
  auto data = parse_data(body, where);
  if (!data) return Error{data.error()};
  // Fields of the wrong type or missing read as empty: a body of any shape is an error message.
  const auto type = text_field(*data, "resultType");
  const json result = data->value("result", json());
  if (type == "scalar") return finite(sample_value(result, where), where);
  if (type == "vector") {
    if (!result.is_array() || result.empty())
      return fail(where + ": no values found (empty vector)");
    if (result.size() > 1) {
      return fail(where + ": the query returned " + std::to_string(result.size()) +
                  " series; it must return one (aggregate it, e.g. with sum())");
    }
    if (!result[0].is_object() || !result[0].contains("value"))
      return fail(where + ": malformed vector " + http::printable(result.dump()));
    return finite(sample_value(result[0]["value"], where), where);
  }
  if (type == "matrix") {
    return fail(where + ": the query returned a range vector; an instant value is needed");
  }
  return fail(where + ": unsupported result type \"" + type + "\"");
}

Outcome<std::vector<double>> parse_prometheus_range(const std::string& body,
                                                    const std::string& where) {
  auto data = parse_data(body, where);
  if (!data) return Error{data.error()};
  const auto type = text_field(*data, "resultType");
  if (type != "matrix") return fail(where + ": expected a matrix, got \"" + type + "\"");
  const json result = data->value("result", json());
  if (!result.is_array() || result.empty()) return fail(where + ": no values found (empty matrix)");
  if (result.size() > 1) {
    return fail(where + ": the query returned " + std::to_string(result.size()) +
                " series; it must return one (aggregate it, e.g. with sum())");
  }
  if (!result[0].is_object())
    return fail(where + ": malformed matrix " + http::printable_excerpt(result.dump()));
  std::vector<double> values;
  for (const auto& sample : result[0].value("values", json::array())) {
    auto v = sample_value(sample, where);
    if (!v) return Error{v.error()};
    if (std::isfinite(*v)) values.push_back(*v);  // NaN points (0/0 windows) carry nothing
  }
  if (values.empty()) return fail(where + ": no values found (every point is NaN or infinite)");
  return values;
}

PrometheusSource::PrometheusSource(PrometheusConfig config) : config_(std::move(config)) {
  while (!config_.address.empty() && config_.address.back() == '/') config_.address.pop_back();
}

Outcome<std::string> PrometheusSource::get(const std::string& path_and_query,
                                           const std::string& query) {
  http::Request request;
  request.url = config_.address + path_and_query;
  request.headers = config_.headers;
  request.headers.emplace_back("Accept", "application/json");
  request.bearer_token = config_.bearer_token;
  request.basic_auth = config_.basic_auth;
  request.proxy = config_.proxy;
  request.insecure_skip_verify = config_.insecure_skip_verify;
  request.timeout = config_.timeout;
  const std::string where = describe(query);
  auto response = http::send(request);
  if (!response) return fail(response.error().kind, where + ": " + response.error().message);
  if (response->status < 200 || response->status >= 300) {
    // Prometheus explains 4xx/5xx in its JSON body (bad_data for a PromQL error).
    const std::string status = where + ": HTTP " + std::to_string(response->status);
    const auto kind = response->status == 429 || response->status >= 500
                          ? base::ErrorKind::unavailable
                          : base::ErrorKind::invalid;
    auto explained = parse_data(response->body, status);
    return fail(kind, explained ? status + ": " + http::printable_excerpt(response->body)
                                : explained.error().message);
  }
  return response->body;
}

std::string PrometheusSource::describe(const std::string& query) const {
  return "Prometheus " + http::redact(config_.address) + " query \"" + query + "\"";
}

Outcome<double> PrometheusSource::instant(const std::string& query,
                                          std::optional<double> at_unix_seconds) {
  std::ostringstream params;
  params.precision(15);
  params << "/api/v1/query?query=" << http::url_encode(query);
  if (at_unix_seconds) params << "&time=" << *at_unix_seconds;
  auto body = get(params.str(), query);
  if (!body) return Error{body.error()};
  return parse_prometheus_instant(*body, describe(query));
}

Outcome<std::vector<double>> PrometheusSource::range(const std::string& query,
                                                     double end_unix_seconds, double window_seconds,
                                                     double step_seconds) {
  std::ostringstream params;
  params.precision(15);
  params << "/api/v1/query_range?query=" << http::url_encode(query)
         << "&start=" << end_unix_seconds - window_seconds << "&end=" << end_unix_seconds
         << "&step=" << step_seconds;
  auto body = get(params.str(), query);
  if (!body) return Error{body.error()};
  return parse_prometheus_range(*body, describe(query));
}

}  // namespace veer::analysis
