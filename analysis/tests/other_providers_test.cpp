// Datadog and Graphite sources on recorded responses (the shapes their documented APIs return),
// served by a real HTTP server on loopback.
#include <doctest/doctest.h>

#include "analysis/providers/datadog.hpp"
#include "analysis/providers/factory.hpp"
#include "analysis/providers/graphite.hpp"
#include "analysis/tests/support/contains.hpp"
#include "testing/http_server.hpp"

using namespace veer::analysis;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

// Recorded from Datadog's documented GET /api/v1/query response.
const char* kDatadog = R"({"status":"ok","res_type":"time_series","from_date":1700000000000,
  "to_date":1700000300000,"query":"avg:trace.http.request.errors{service:podinfo}",
  "series":[{"metric":"trace.http.request.errors","display_name":"trace.http.request.errors",
  "pointlist":[[1700000000000,0.5],[1700000060000,null],[1700000120000,1.25]],
  "scope":"service:podinfo","interval":60,"length":3}]})";

// Recorded from Graphite's documented /render?format=json response.
const char* kGraphite = R"([{"target":"podinfo.errors","tags":{"name":"podinfo.errors"},
  "datapoints":[[2.0,1700000000],[3.5,1700000060],[null,1700000120]]}])";

}  // namespace

TEST_CASE("datadog: keys from the secret, last non-null point of the one series") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, kDatadog, false}; });
  DatadogConfig config;
  config.address = server.url();
  apply_datadog_secret(config, {{"datadog_api_key", "api"}, {"datadog_application_key", "app"}});
  DatadogSource source(config);
  auto value = source.instant("avg:trace.http.request.errors{service:podinfo}");
  REQUIRE_MESSAGE(value.ok(), (value.ok() ? "" : value.error().message));
  CHECK(*value == 1.25);
  const auto r = server.requests().at(0);
  CHECK(r.path == "/api/v1/query");
  CHECK(r.param("query") == "avg:trace.http.request.errors{service:podinfo}");
  CHECK(r.headers.at("dd-api-key") == "api");
  CHECK(r.headers.at("dd-application-key") == "app");
  CHECK_FALSE(r.param("from").empty());
  // At an evaluation time: the lookback window (5 minutes) that ends then.
  REQUIRE(source.instant("q", 1'800'000'000).ok());
  const auto at = server.requests().back();
  CHECK(std::stod(at.param("to")) == 1'800'000'000);
  CHECK(std::stod(at.param("from")) == 1'800'000'000 - 300);

  server.set_handler([](const HttpRequest&) {
    return HttpResponse{200, {}, R"({"status":"ok","series":[]})", false};
  });
  value = source.instant("q");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "no values found"));
  server.set_handler([](const HttpRequest&) {
    return HttpResponse{403, {}, R"({"errors":["Forbidden"]})", false};
  });
  value = source.instant("q");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 403"));
  CHECK(contains(value.error().message, "Datadog error: Forbidden"));
  CHECK(contains(value.error().message, server.url()));
}

TEST_CASE("graphite: last non-null datapoint, several series and null-only are errors") {
  HttpServer server([](const HttpRequest&) { return HttpResponse{200, {}, kGraphite, false}; });
  GraphiteConfig config;
  config.address = server.url();
  GraphiteSource source(config);
  auto value = source.instant("podinfo.errors");
  REQUIRE(value.ok());
  CHECK(*value == 3.5);
  CHECK(server.requests().at(0).path == "/render");
  CHECK(server.requests().at(0).param("target") == "podinfo.errors");

  CHECK_FALSE(parse_graphite_render(R"([{"target":"a","datapoints":[[null,1]]}])", "g").ok());
  auto two = parse_graphite_render(
      R"([{"target":"a","datapoints":[[1,1]]},{"target":"b","datapoints":[[1,1]]}])", "g");
  REQUIRE_FALSE(two.ok());
  CHECK(contains(two.error().message, "2 series"));
  CHECK_FALSE(parse_graphite_render("not json", "g").ok());
}

TEST_CASE("the provider factory: implemented types, clear errors for the others") {
  veer::model::MetricProvider provider;
  provider.type = "cloudwatch";
  auto made = make_metrics_source(provider, {}, "http://prometheus:9090");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message == "provider cloudwatch is not supported yet");
  provider.type = "datadog";
  made = make_metrics_source(provider, {}, "");
  REQUIRE_FALSE(made.ok());
  CHECK(contains(made.error().message, "datadog_api_key"));
  made = make_metrics_source(provider, {{"datadog_api_key", "a"}, {"datadog_application_key", "b"}},
                             "");
  CHECK(made.ok());
  provider.type = "prometheus";
  CHECK(make_metrics_source(provider, {}, "http://prometheus:9090").ok());
  CHECK_FALSE(make_metrics_source(provider, {}, "").ok());
}

TEST_CASE("what each provider needs from its Secret, in words") {
  CHECK(missing_secret_keys("prometheus", {}) == "token, or username and password");
  CHECK(missing_secret_keys("prometheus", {{"username", "u"}}) ==
        "token, or username and password");
  CHECK_FALSE(missing_secret_keys("prometheus", {{"token", "t"}}));
  CHECK_FALSE(missing_secret_keys("prometheus", {{"username", "u"}, {"password", "p"}}));
  CHECK(missing_secret_keys("graphite", {{"username", "u"}}) == "password");
  CHECK(missing_secret_keys("datadog", {}) == "datadog_api_key and datadog_application_key");
  CHECK(missing_secret_keys("influxdb", {{"token", "t"}}) == "org");
  CHECK(missing_secret_keys("newrelic", {{"newrelic_query_key", "k"}}) == "newrelic_account_id");
  CHECK_FALSE(missing_secret_keys("cloudwatch", {}));
}
