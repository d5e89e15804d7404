#include "e2e/controller/tests/support/fake_prometheus.hpp"

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

namespace veer::e2e {

using nlohmann::json;

QueryKind query_kind(const std::string& q) {
  if (q.find("histogram_quantile") != std::string::npos ||
      q.find("response_duration_seconds_sum") != std::string::npos)
    return QueryKind::Duration;
  if (q.find("or vector(0)") != std::string::npos) return QueryKind::Errors;
  if (q.find(" / ") != std::string::npos && q.find("* 100") != std::string::npos)
    return QueryKind::SuccessRate;
  if (q.find("increase(") != std::string::npos) return QueryKind::Total;
  return QueryKind::Unknown;
}

bool selects_primary(const std::string& q) {
  return q.find("-primary") != std::string::npos || q.find("canary=\"\"") != std::string::npos;
}

std::string builtin_series(const std::string& provider) {
  if (provider == "istio") return "istio_";
  if (provider == "linkerd") return "response_";
  if (provider == "nginx") return "nginx_ingress_controller_";
  // Knative has no built-in metrics in veer: its Canary's MetricTemplates read the queue-proxy's
  // series, as a Knative user's would (scenario.cpp).
  if (provider == "knative") return "revision_app_request_";
  // The Envoy-based routers count the upstream cluster veer's router sends to; Traefik and APISIX
  // their own series (analysis/builtin_metrics.cpp).
  if (provider == "contour" || provider == "gloo" || provider == "kuma")
    return "envoy_cluster_upstream_rq";
  if (provider == "traefik") return "traefik_service_request_duration_seconds";
  if (provider == "apisix") return "apisix_http_";
  return "http_request_duration_seconds";  // kubernetes, gatewayapi
}

FakePrometheus::FakePrometheus(std::string series, std::function<bool()> canary_is_bad)
    : series_(std::move(series)),
      canary_is_bad_(std::move(canary_is_bad)),
      server_([this](const testing::HttpRequest& r) { return answer(r); }) {}

std::vector<std::string> FakePrometheus::unknown_queries() const {
  std::lock_guard lock(mutex_);
  return unknown_;
}

testing::HttpResponse FakePrometheus::answer(const testing::HttpRequest& request) {
  const std::string query = request.param("query");
  const bool range = request.path == "/api/v1/query_range";
  if ((request.path != "/api/v1/query" && !range) || query.empty()) {
    return {404,
            {{"Content-Type", "application/json"}},
            R"({"status":"error","errorType":"bad_data","error":"unknown path or no query"})"};
  }
  const bool bad = !selects_primary(query) && canary_is_bad_();
  // 1000 requests per interval; a good version fails 1 of them, a bad one 100 (90% success).
  double value = 0;
  const auto kind =
      query.find(series_) == std::string::npos ? QueryKind::Unknown : query_kind(query);
  switch (kind) {
    case QueryKind::SuccessRate:
      value = bad ? 90.0 : 99.9;
      break;
    case QueryKind::Errors:
      value = bad ? 100 : 1;
      break;
    case QueryKind::Total:
      value = 1000;
      break;
    case QueryKind::Duration:
      value = bad ? 900 : 35;
      break;
    case QueryKind::Unknown: {
      std::lock_guard lock(mutex_);
      unknown_.push_back(query);
      return {
          400,
          {{"Content-Type", "application/json"}},
          R"({"status":"error","errorType":"bad_data","error":"the fake Prometheus does not know this query"})"};
    }
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ostringstream text;
  text.precision(10);
  text << value;
  json data;
  if (range) {
    json values = json::array();
    for (int i = 4; i >= 0; --i) values.push_back({now - 15.0 * i, text.str()});
    data = {{"resultType", "matrix"},
            {"result", json::array({{{"metric", json::object()}, {"values", values}}})}};
  } else {
    data = {{"resultType", "vector"},
            {"result", json::array({{{"metric", json::object()}, {"value", {now, text.str()}}}})}};
  }
  return {200,
          {{"Content-Type", "application/json"}},
          json{{"status", "success"}, {"data", data}}.dump()};
}

}  // namespace veer::e2e
