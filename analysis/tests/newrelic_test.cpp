// The New Relic source on recorded Insights query API responses, served by a real HTTP server on
// loopback.
#include <doctest/doctest.h>

#include "analysis/providers/factory.hpp"
#include "analysis/providers/newrelic.hpp"
#include "analysis/tests/support/contains.hpp"
#include "testing/http_server.hpp"

using namespace veer::analysis;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

HttpResponse json_response(const std::string& body, int status = 200) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, body, false};
}

// Recorded from the shapes the Insights query API documents.
const char* kValue = R"({"results":[{"result":0.42}],
  "performanceStats":{"inspectedCount":1200,"omittedCount":0,"matchCount":1200,"wallClockTime":9},
  "metadata":{"eventTypes":["Metric"],"eventType":"Metric","openEnded":true,
  "contents":[{"function":"alias","alias":"result"}]}})";
const char* kNull = R"({"results":[{"average":null}],"performanceStats":{"inspectedCount":0},
  "metadata":{"messages":["No events found -- do you have the correct event type and time range?"]}})";
const char* kPercentile = R"({"results":[{"percentile":{"99":250.5}}]})";
const char* kTwoResults = R"({"results":[{"average":1.5},{"max":9.0}]})";
const char* kFacets = R"({"facets":[{"name":"podinfo-1","results":[{"count":10}]},
  {"name":"podinfo-2","results":[{"count":12}]}],"totalResult":{"results":[{"count":22}]}})";
const char* kSeries = R"({"timeSeries":[
  {"results":[{"result":1.0}],"beginTimeSeconds":1800000000,"endTimeSeconds":1800000010},
  {"results":[{"result":null}],"beginTimeSeconds":1800000010,"endTimeSeconds":1800000020},
  {"results":[{"result":3.0}],"beginTimeSeconds":1800000020,"endTimeSeconds":1800000030}],
  "total":{"results":[{"result":2.0}]}})";

NewRelicConfig config_for(const HttpServer& server) {
  NewRelicConfig config;
  config.address = server.url();
  apply_newrelic_secret(config,
                        {{"newrelic_account_id", "12345"}, {"newrelic_query_key", "NRIQ-k"}});
  return config;
}

const std::string kQuery =
    "SELECT filter(sum(requests), WHERE status >= '500') / sum(requests) * 100 AS result FROM "
    "Metric WHERE app = 'podinfo'";

}  // namespace

TEST_CASE("newrelic: GET /v1/accounts/<id>/query with X-Query-Key, SINCE appended as Flagger") {
  HttpServer server([](const HttpRequest&) { return json_response(kValue); });
  NewRelicSource source(config_for(server));
  auto value = source.instant(kQuery);
  REQUIRE_MESSAGE(value.ok(), (value.ok() ? "" : value.error().message));
  CHECK(*value == 0.42);
  const auto r = server.requests().at(0);
  CHECK(r.method == "GET");
  CHECK(r.path == "/v1/accounts/12345/query");
  CHECK(r.param("nrql") == kQuery + " SINCE 60 seconds ago");
  CHECK(r.headers.at("x-query-key") == "NRIQ-k");

  // A query with its own SINCE (even in lower case) is sent as written; quoted text is not a
  // clause.
  source.instant("SELECT count(*) FROM Transaction since 5 minutes ago");
  CHECK(server.requests().at(1).param("nrql") ==
        "SELECT count(*) FROM Transaction since 5 minutes ago");
  CHECK_FALSE(nrql_has_clause("SELECT count(*) FROM T WHERE name = 'since'", "SINCE"));
  CHECK_FALSE(nrql_has_clause("SELECT sinceStart FROM T", "SINCE"));

  // At an evaluation time: the lookback window that ends then, in epoch milliseconds.
  REQUIRE(source.instant(kQuery, 1'800'000'000).ok());
  CHECK(server.requests().back().param("nrql") ==
        kQuery + " SINCE 1799999940000 UNTIL 1800000000000");
}

TEST_CASE("newrelic: one value of any function name, nested percentiles") {
  CHECK(*parse_newrelic_value(R"({"results":[{"average":12.5}]})", "nr") == 12.5);
  CHECK(*parse_newrelic_value(kPercentile, "nr") == 250.5);
  CHECK(*parse_newrelic_value(R"({"results":[{"count":0}]})", "nr") == 0);
}

TEST_CASE("newrelic: no data, several results, facets and time series are errors for an instant") {
  HttpServer server([](const HttpRequest&) { return json_response(kNull); });
  NewRelicSource source(config_for(server));
  auto value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "no values found"));
  CHECK(contains(value.error().message, server.url()));
  CHECK(contains(value.error().message, "account 12345"));
  CHECK(contains(value.error().message, kQuery));

  auto two = parse_newrelic_value(kTwoResults, "nr");
  REQUIRE_FALSE(two.ok());
  CHECK(contains(two.error().message, "2 results"));
  auto facets = parse_newrelic_value(kFacets, "nr");
  REQUIRE_FALSE(facets.ok());
  CHECK(contains(facets.error().message, "2 facets"));
  auto series = parse_newrelic_value(kSeries, "nr");
  REQUIRE_FALSE(series.ok());
  CHECK(contains(series.error().message, "TIMESERIES"));
  auto events = parse_newrelic_value(R"({"results":[{"events":[{"duration":1}]}]})", "nr");
  REQUIRE_FALSE(events.ok());
  CHECK(contains(events.error().message, "not one number"));
}

TEST_CASE("newrelic: a range is a TIMESERIES from end - window to end in epoch milliseconds") {
  HttpServer server([](const HttpRequest&) { return json_response(kSeries); });
  NewRelicSource source(config_for(server));
  auto values = source.range(kQuery, 1'800'000'030, 30, 10);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<double>{1.0, 3.0});
  CHECK(server.requests().at(0).param("nrql") ==
        kQuery + " SINCE 1800000000000 UNTIL 1800000030000 TIMESERIES 10 seconds");
}

TEST_CASE("newrelic: HTTP errors and error bodies carry New Relic's message, the URL and query") {
  HttpServer server([](const HttpRequest&) {
    return json_response(
        R"({"error":"NRQL Syntax Error: Error at line 1 position 7, unexpected 'FORM'"})", 400);
  });
  NewRelicSource source(config_for(server));
  auto value = source.instant("SELECT count(*) FORM Transaction");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 400: New Relic error: NRQL Syntax Error"));
  CHECK(contains(value.error().message, server.url()));
  CHECK(contains(value.error().message, "SELECT count(*) FORM Transaction"));

  server.set_handler(
      [](const HttpRequest&) { return json_response(R"({"error":"Query key is invalid"})", 200); });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "New Relic error: Query key is invalid"));

  server.set_handler([](const HttpRequest&) {
    return HttpResponse{502, {}, "<html>Bad Gateway</html>", false};
  });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 502: <html>Bad Gateway</html>"));

  server.set_handler([](const HttpRequest&) { return json_response("{\"results\": [", 200); });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "not JSON"));
}

TEST_CASE("newrelic: the factory wants both Secret keys and defaults the Insights address") {
  veer::model::MetricProvider provider;
  provider.type = "newrelic";
  provider.secret_ref = "newrelic";
  auto made = make_metrics_source(provider, {{"newrelic_account_id", "1"}}, "");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message ==
        "provider newrelic needs newrelic_account_id and newrelic_query_key in its secretRef "
        "(Secret newrelic)");
  CHECK(
      make_metrics_source(provider, {{"newrelic_account_id", "1"}, {"newrelic_query_key", "k"}}, "")
          .ok());
  CHECK(NewRelicConfig{}.address == "https://insights-api.newrelic.com");
}
