// The Prometheus source against a real HTTP server on loopback.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "analysis/providers/prometheus.hpp"
#include "analysis/tests/support/contains.hpp"
#include "testing/http_server.hpp"

using veer::analysis::PrometheusConfig;
using veer::analysis::PrometheusSource;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

HttpResponse json_response(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body), false};
}

HttpResponse vector_of(const std::string& value) {
  return json_response(200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                            R"({"metric":{"app":"podinfo"},"value":[1700000000.1,")" +
                                value + R"("]}]}})");
}

PrometheusConfig at(const std::string& address) {
  PrometheusConfig config;
  config.address = address;
  return config;
}

}  // namespace

TEST_CASE("an instant query sends the query, credentials and headers, and reads one series") {
  HttpServer server([](const HttpRequest&) { return vector_of("0.25"); });
  PrometheusConfig config;
  config.address = server.url() + "/";
  config.headers = {{"X-Scope-OrgID", "team-a"}};
  veer::analysis::apply_secret(config, {{"token", "s3cret"}});
  PrometheusSource source(config);
  const std::string query = R"(sum(rate(http_requests_total{app="podinfo",code=~"5.."}[1m])))";
  auto value = source.instant(query);
  REQUIRE_MESSAGE(value.ok(), (value.ok() ? "" : value.error().message));
  CHECK(*value == 0.25);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].path == "/api/v1/query");
  CHECK(requests[0].param("query") == query);
  CHECK(requests[0].headers.at("authorization") == "Bearer s3cret");
  CHECK(requests[0].headers.at("x-scope-orgid") == "team-a");
}

TEST_CASE("basic auth comes from the secret's username and password") {
  HttpServer server([](const HttpRequest&) { return vector_of("1"); });
  PrometheusConfig config;
  config.address = server.url();
  veer::analysis::apply_secret(config, {{"username", "admin"}, {"password", "pw"}});
  PrometheusSource source(config);
  REQUIRE(source.instant("vector(1)").ok());
  CHECK(server.requests()[0].headers.at("authorization") == "Basic YWRtaW46cHc=");
}

TEST_CASE("a scalar result is a value") {
  HttpServer server([](const HttpRequest&) {
    return json_response(
        200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"99.5"]}})");
  });
  PrometheusSource source(at(server.url()));
  auto value = source.instant("scalar(vector(99.5))");
  REQUIRE(value.ok());
  CHECK(*value == 99.5);
}

TEST_CASE("no data, NaN, infinity and several series are explicit errors, never a number") {
  HttpServer server([](const HttpRequest&) { return vector_of("1"); });
  PrometheusSource source(at(server.url()));
  struct Case {
    HttpResponse response;
    std::string expected;
  };
  const Case cases[] = {
      {json_response(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})"),
       "no values found"},
      {vector_of("NaN"), "NaN"},
      {vector_of("+Inf"), "infinite"},
      {json_response(
           200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                R"({"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}})"),
       "2 series"},
      {json_response(200, "<html>not json</html>"), "not JSON"},
      {json_response(200, ""), "not JSON"},
      {vector_of("abc"), "not a number"},
  };
  for (const auto& c : cases) {
    server.set_handler([&](const HttpRequest&) { return c.response; });
    auto value = source.instant("my_query");
    REQUIRE_FALSE(value.ok());
    INFO(value.error());
    CHECK(contains(value.error().message, c.expected));
    CHECK(contains(value.error().message, "my_query"));
    CHECK(contains(value.error().message, server.url()));
  }
}

TEST_CASE("a PromQL error and HTTP failures name the URL, the query and the reason") {
  HttpServer server([](const HttpRequest&) {
    return json_response(400, R"({"status":"error","errorType":"bad_data",)"
                              R"("error":"1:5: parse error: unexpected end of input"})");
  });
  PrometheusSource source(at(server.url()));
  auto value = source.instant("sum(");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 400"));
  CHECK(contains(value.error().message, "bad_data"));
  CHECK(contains(value.error().message, "parse error"));
  CHECK(contains(value.error().message, "\"sum(\""));

  server.set_handler([](const HttpRequest&) { return HttpResponse{503, {}, "overloaded", false}; });
  value = source.instant("up");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "HTTP 503"));
  CHECK(contains(value.error().message, server.url()));
}

TEST_CASE("an unreachable server and a server that never answers are errors with the URL") {
  std::string url;
  {
    HttpServer gone([](const HttpRequest&) { return vector_of("1"); });
    url = gone.url();
  }
  PrometheusSource unreachable(at(url));
  auto value = unreachable.instant("up");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, url));

  HttpServer silent([](const HttpRequest&) {
    HttpResponse r;
    r.never_answer = true;
    return r;
  });
  PrometheusConfig config;
  config.address = silent.url();
  config.timeout = std::chrono::milliseconds(200);
  PrometheusSource slow(config);
  value = slow.instant("up");
  REQUIRE_FALSE(value.ok());
  CHECK(contains(value.error().message, "no answer within 200 ms"));
  CHECK(contains(value.error().message, silent.url()));
}

TEST_CASE("a proxy receives the request for the Prometheus URL, the timeout defaults to 5 s") {
  HttpServer proxy([](const HttpRequest&) { return vector_of("0.5"); });
  PrometheusConfig config;
  config.address = "http://prometheus.invalid:9090";
  config.proxy = proxy.url();
  CHECK(config.timeout == std::chrono::seconds(5));
  PrometheusSource source(config);
  auto value = source.instant("up");
  REQUIRE_MESSAGE(value.ok(), (value.ok() ? "" : value.error().message));
  CHECK(*value == 0.5);
  // A forward proxy is sent the absolute URL.
  CHECK(proxy.requests().at(0).target.rfind("http://prometheus.invalid:9090/api/v1/query?", 0) ==
        0);
}

TEST_CASE("a range query asks for the window and returns the finite points") {
  HttpServer server([](const HttpRequest&) {
    return json_response(200, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                              R"({"metric":{},"values":[[1,"0.1"],[2,"NaN"],[3,"0.3"]]}]}})");
  });
  PrometheusSource source(at(server.url()));
  auto values = source.range("latency", 1700000600, 600, 30);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<double>{0.1, 0.3});
  const auto r = server.requests().at(0);
  CHECK(r.path == "/api/v1/query_range");
  CHECK(r.param("query") == "latency");
  CHECK(r.param("start") == "1700000000");
  CHECK(r.param("end") == "1700000600");
  CHECK(r.param("step") == "30");
}
