#include "analysis/providers/influxdb.hpp"

#include "http/printable.hpp"
#include "http/redact.hpp"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/providers/annotated_csv.hpp"
#include "analysis/providers/series_api.hpp"

namespace veer::analysis {
namespace {

// InfluxDB explains a failed request in JSON: {"code": "invalid", "message": "..."}.
std::optional<std::string> influxdb_error(const std::string& body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("message") || !doc["message"].is_string()) {
    return std::nullopt;
  }
  const std::string code = doc.value("code", std::string());
  return "InfluxDB error" + (code.empty() ? "" : " (" + code + ")") + ": " +
         doc["message"].get<std::string>();
}

Outcome<double> number(const FluxCell& cell, const std::string& where) {
  double value = 0;
  const char* begin = cell.value.data();
  const char* end = begin + cell.value.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    return fail(where + ": the _value \"" + cell.value + "\" on line " + std::to_string(cell.line) +
                " is not a number");
  }
  return value;
}

}  // namespace

void apply_influxdb_secret(InfluxdbConfig& config,
                           const std::map<std::string, std::string>& secret) {
  if (auto t = secret.find("token"); t != secret.end()) config.token = t->second;
  if (auto o = secret.find("org"); o != secret.end()) config.org = o->second;
}

Outcome<std::vector<double>> parse_influxdb_values(const std::string& body,
                                                   const std::string& where) {
  auto series = parse_annotated_csv(body, where);
  if (!series) return Error{series.error()};
  if (series->empty()) return fail(where + ": no values found (no tables)");
  if (series->size() > 1) {
    return fail(where + ": the query returned " + std::to_string(series->size()) +
                " tables; it must return one (group or aggregate it, e.g. |> group() |> sum())");
  }
  std::vector<double> values;
  for (const auto& cell : series->front().cells) {
    if (cell.value.empty()) continue;  // null
    auto v = number(cell, where);
    if (!v) return Error{v.error()};
    if (std::isfinite(*v)) values.push_back(*v);
  }
  if (values.empty()) return fail(where + ": no values found (every _value is null or NaN)");
  return values;
}

InfluxdbSource::InfluxdbSource(InfluxdbConfig config) : config_(std::move(config)) {
  while (!config_.address.empty() && config_.address.back() == '/') config_.address.pop_back();
}

Outcome<std::vector<double>> InfluxdbSource::values(const std::string& query) {
  http::Request request;
  request.method = "POST";
  request.url = config_.address + "/api/v2/query?org=" + http::url_encode(config_.org);
  request.headers = config_.headers;
  request.headers.emplace_back("Authorization", "Token " + config_.token);
  request.headers.emplace_back("Accept", "application/csv");
  request.headers.emplace_back("Content-Type", "application/json");
  // The annotations make the response self-describing (types, defaults), as InfluxDB's clients ask.
  request.body = nlohmann::json{{"query", query},
                                {"type", "flux"},
                                {"dialect",
                                 {{"header", true},
                                  {"delimiter", ","},
                                  {"annotations", {"datatype", "group", "default"}}}}}
                     .dump();
  request.insecure_skip_verify = config_.insecure_skip_verify;
  request.timeout = config_.timeout;
  const std::string where =
      "InfluxDB " + http::redact(config_.address) + " query \"" + query + "\"";
  auto body = fetch_body(request, where, influxdb_error);
  if (!body) return Error{body.error()};
  return parse_influxdb_values(*body, where);
}

Outcome<double> InfluxdbSource::instant(const std::string& query,
                                        std::optional<double> /*at: the query's own range()*/) {
  auto all = values(query);
  if (!all) return Error{all.error()};
  if (all->size() > 1) {
    return fail("InfluxDB " + http::redact(config_.address) + " query \"" + query +
                "\": the query returned " + std::to_string(all->size()) +
                " rows; it must return one value (end it with e.g. |> last() or |> mean())");
  }
  return all->front();
}

Outcome<std::vector<double>> InfluxdbSource::range(const std::string& query,
                                                   double /*end: the query's own range()*/,
                                                   double /*window*/, double /*step*/) {
  return values(query);
}

}  // namespace veer::analysis
