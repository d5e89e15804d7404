#include "e2e/traffic/tests/support/version_counts_prometheus.hpp"

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

namespace veer::e2e::traffic {

using nlohmann::json;

VersionCountsPrometheus::VersionCountsPrometheus(
    kube::Cluster& api, std::string ns, std::string virtual_service,
    std::map<std::string, controller::simulation::SimulatedVersion> versions,
    double requests_per_second, std::uint64_t seed)
    : traffic_(api, clock_, std::move(ns), std::move(virtual_service), std::move(versions),
               requests_per_second, seed),
      server_([this](const testing::HttpRequest& r) { return answer(r); }) {}

std::vector<std::string> VersionCountsPrometheus::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

testing::HttpResponse VersionCountsPrometheus::answer(const testing::HttpRequest& request) {
  const std::string query = request.param("query");
  auto error = [](int status, const std::string& why) {
    return testing::HttpResponse{
        status,
        {{"Content-Type", "application/json"}},
        json{{"status", "error"}, {"errorType", "bad_data"}, {"error", why}}.dump()};
  };
  if (request.path != "/api/v1/query" || query.empty())
    return error(404, "unknown path or no query: " + request.target);
  auto value = traffic_.instant(query, std::nullopt);
  if (!value) {
    // A version without traffic has no series, as in Prometheus: an empty vector.
    if (value.error().rfind("no data", 0) == 0)
      return {200,
              {{"Content-Type", "application/json"}},
              R"({"status":"success","data":{"resultType":"vector","result":[]}})"};
    std::lock_guard lock(mutex_);
    refused_.push_back(query + ": " + value.error());
    return error(400, value.error());
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ostringstream text;
  text.precision(12);
  text << *value;
  json data = {
      {"resultType", "vector"},
      {"result", json::array({{{"metric", json::object()}, {"value", {now, text.str()}}}})}};
  return {200,
          {{"Content-Type", "application/json"}},
          json{{"status", "success"}, {"data", data}}.dump()};
}

}  // namespace veer::e2e::traffic
