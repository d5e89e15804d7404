// The InfluxDB source on recorded Flux query API responses (annotated CSV, JSON errors), served
// by a real HTTP server on loopback.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "analysis/providers/annotated_csv.hpp"
#include "analysis/providers/factory.hpp"
#include "analysis/providers/influxdb.hpp"
#include "analysis/tests/support/contains.hpp"
#include "testing/http_server.hpp"

using namespace veer::analysis;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

// The shape of POST /api/v2/query with annotations datatype, group, default (CRLF, as InfluxDB).
const char* kOneValue =
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string,string\r\n"
    "#group,false,false,true,true,false,true,true\r\n"
    "#default,_result,,,,,,\r\n"
    ",result,table,_start,_stop,_value,_field,_measurement\r\n"
    ",,0,2026-11-22T04:00:00Z,2026-11-22T04:01:00Z,0.75,error_rate,http\r\n"
    "\r\n";

const char* kTwoTables =
    "#datatype,string,long,string,double\r\n"
    "#group,false,false,true,false\r\n"
    "#default,_result,,,\r\n"
    ",result,table,pod,_value\r\n"
    ",,0,podinfo-1,0.5\r\n"
    ",,1,podinfo-2,1.5\r\n"
    "\r\n";

const char* kRows =
    "#datatype,string,long,dateTime:RFC3339,double\r\n"
    "#group,false,false,false,false\r\n"
    "#default,_result,,,\r\n"
    ",result,table,_time,_value\r\n"
    ",,0,2026-11-22T04:00:00Z,1\r\n"
    ",,0,2026-11-22T04:00:10Z,\r\n"
    ",,0,2026-11-22T04:00:20Z,3.5\r\n"
    "\r\n";

// An error met while the query runs comes back in-band, as a table of its own.
const char* kInBandError =
    "#datatype,string,string\r\n"
    "#group,true,true\r\n"
    "#default,,\r\n"
    ",error,reference\r\n"
    ",\"runtime error @2:6-2:40: filter: bucket \"\"apps\"\" not found\",\r\n"
    "\r\n";

HttpResponse csv(const std::string& body) {
  return HttpResponse{200, {{"Content-Type", "text/csv; charset=utf-8"}}, body, false};
}

InfluxdbConfig config_for(const HttpServer& server) {
  InfluxdbConfig config;
  config.address = server.url();
  apply_influxdb_secret(config, {{"token", "s3cret"}, {"org", "my org"}});
  return config;
}

const std::string kQuery =
    "from(bucket: \"apps\") |> range(start: -1m) |> filter(fn: (r) => r.app == \"podinfo\") "
    "|> mean()";

}  // namespace

TEST_CASE("influxdb: POST /api/v2/query with the token, org and an annotated-CSV dialect") {
  HttpServer server([](const HttpRequest&) { return csv(kOneValue); });
  InfluxdbSource source(config_for(server));
  auto value = source.instant(kQuery);
  REQUIRE_MESSAGE(value.ok(), (value.ok() ? "" : value.error().message));
  CHECK(*value == 0.75);
  const auto r = server.requests().at(0);
  CHECK(r.method == "POST");
  CHECK(r.path == "/api/v2/query");
  CHECK(r.param("org") == "my org");
  CHECK(r.headers.at("authorization") == "Token s3cret");
  CHECK(r.headers.at("accept") == "application/csv");
  CHECK(r.headers.at("content-type") == "application/json");
  const auto body = nlohmann::json::parse(r.body);
  CHECK(body["query"] == kQuery);
  CHECK(body["type"] == "flux");
  CHECK(body["dialect"]["annotations"] == nlohmann::json::array({"datatype", "group", "default"}));
}

TEST_CASE("influxdb: no tables, null values and several tables are errors, never a value") {
  HttpServer server([](const HttpRequest&) { return csv("\r\n"); });
  InfluxdbSource source(config_for(server));
  auto value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "no values found"));
  CHECK(contains(value.error().message, server.url()));
  CHECK(contains(value.error().message, kQuery));

  server.set_handler([](const HttpRequest&) {
    return csv(",result,table,_value\r\n,_result,0,\r\n");  // no annotations, one null _value
  });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "no values found"));

  server.set_handler([](const HttpRequest&) { return csv(kTwoTables); });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "2 tables"));
}

TEST_CASE("influxdb: rows of one table are a range, one value is needed for an instant") {
  HttpServer server([](const HttpRequest&) { return csv(kRows); });
  InfluxdbSource source(config_for(server));
  auto values = source.range(kQuery, 1'800'000'000, 60, 10);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<double>{1, 3.5});  // the null row carries nothing
  auto value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "2 rows"));
  CHECK(contains(value.error().message, "|> last()"));
}

TEST_CASE("influxdb: HTTP and in-band errors carry InfluxDB's message, the URL and the query") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{
        400,
        {{"Content-Type", "application/json"}},
        R"({"code":"invalid","message":"compilation failed: error @1:1-1:4: undefined identifier frm"})",
        false};
  });
  InfluxdbSource source(config_for(server));
  auto value = source.instant("frm(bucket: \"apps\")");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 400"));
  CHECK(contains(value.error().message, "InfluxDB error (invalid): compilation failed"));
  CHECK(contains(value.error().message, server.url()));
  CHECK(contains(value.error().message, "frm(bucket: \"apps\")"));

  server.set_handler([](const HttpRequest&) {
    return HttpResponse{
        401, {}, R"({"code":"unauthorized","message":"unauthorized access"})", false};
  });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message,
                 "HTTP 401: InfluxDB error (unauthorized): unauthorized access"));

  server.set_handler([](const HttpRequest&) { return csv(kInBandError); });
  value = source.instant(kQuery);
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message,
                 "InfluxDB error: runtime error @2:6-2:40: filter: bucket \"apps\""));
}

TEST_CASE("influxdb: invalid CSV names the line") {
  auto ragged = parse_influxdb_values(",result,table,_value\n,_result,0,1\n,_result,0\n", "q");
  REQUIRE_FALSE(ragged.ok());
  CHECK(contains(ragged.error().message, "line 3 has 3 columns"));
  auto unclosed = parse_influxdb_values(",result,table,_value\n,\"_result,0,1\n", "q");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(contains(unclosed.error().message, "quote opened on line 2"));
  auto not_number = parse_influxdb_values(",result,table,_value\n,_result,0,abc\n", "q");
  REQUIRE_FALSE(not_number.ok());
  CHECK(contains(not_number.error().message, "\"abc\" on line 2 is not a number"));
  auto no_value = parse_influxdb_values(",result,table,_time\n,_result,0,2026\n", "q");
  REQUIRE_FALSE(no_value.ok());
  CHECK(contains(no_value.error().message, "no _value column"));
  auto html = parse_influxdb_values("<html><body>502 Bad Gateway</body></html>\n", "q");
  CHECK_FALSE(html.ok());
}

TEST_CASE("influxdb: the factory wants an address, token and org, naming the Secret") {
  veer::model::MetricProvider provider;
  provider.type = "influxdb";
  provider.address = "http://influxdb:8086";
  provider.secret_ref = "influx-auth";
  auto made = make_metrics_source(provider, {{"token", "t"}}, "");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message ==
        "provider influxdb needs token and org in its secretRef (Secret influx-auth)");
  CHECK(make_metrics_source(provider, {{"token", "t"}, {"org", "o"}}, "").ok());
  provider.address.clear();
  CHECK_FALSE(make_metrics_source(provider, {{"token", "t"}, {"org", "o"}}, "").ok());
}
