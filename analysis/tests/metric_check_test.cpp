// Templates, built-in metrics and metric checks, against a Prometheus stand-in on loopback.
#include <string>

#include <doctest/doctest.h>

#include "analysis/builtin_metrics.hpp"
#include "analysis/metric_check.hpp"
#include "analysis/providers/prometheus.hpp"
#include "analysis/templates.hpp"
#include "analysis/tests/support/contains.hpp"
#include "analysis/tests/support/podinfo.hpp"
#include "analysis/tests/support/prometheus_json.hpp"
#include "testing/http_server.hpp"

using namespace veer::analysis;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

using veer::analysis::testdata::instant;
using veer::analysis::testdata::matrix;
using veer::analysis::testdata::podinfo;
using veer::analysis::testdata::source_at;

TEST_CASE("templates render Flagger's variables, for the canary and the primary") {
  auto c = podinfo();
  c.variables = {{"code", "5.."}};
  const std::string q =
      R"(rate(http{ns="{{ namespace }}",pod=~"{{target}}-.*",code=~"{{ variables.code }}"}[{{- .interval -}}]))";
  auto canary = render_query(q, c, "test/error-rate");
  REQUIRE(canary.ok());
  CHECK(*canary == R"(rate(http{ns="test",pod=~"podinfo-.*",code=~"5.."}[1m]))");
  auto primary = render_query(q, primary_context(c), "test/error-rate");
  REQUIRE(primary.ok());
  CHECK(contains(*primary, R"(pod=~"podinfo-primary-.*")"));
}

TEST_CASE("ingress, route, service and name render as Flagger's, the primary keeps them") {
  auto c = podinfo();
  c.ingress = "podinfo-ingress";
  c.route = "podinfo-route";
  c.service = "podinfo-svc";
  const std::string q =
      R"(sum(x{name="{{ name }}",svc="{{ service }}",ingress="{{ ingress }}",route="{{ route }}"}))";
  auto canary = render_query(q, c, "t");
  REQUIRE(canary.ok());
  CHECK(
      *canary ==
      R"(sum(x{name="podinfo",svc="podinfo-svc",ingress="podinfo-ingress",route="podinfo-route"}))");
  auto primary = render_query(q, primary_context(c), "t");
  REQUIRE(primary.ok());
  CHECK(*primary == *canary);  // only the target differs for the primary
}

TEST_CASE("an unknown variable names the template and the variable") {
  auto r = render_query("up{x=\"{{ variables.missing }}\"}", podinfo(), "template test/latency");
  REQUIRE_FALSE(r.ok());
  CHECK(contains(r.error().message, "template test/latency"));
  CHECK(contains(r.error().message, "\"variables.missing\""));
  CHECK_FALSE(render_query("up{{ name", podinfo(), "t").ok());
  CHECK(promql_duration(60'000) == "1m");
  CHECK(promql_duration(90'000) == "90s");
  CHECK(promql_duration(3'600'000) == "1h");
}

TEST_CASE("built-in metrics read Flagger's series per provider") {
  auto istio = builtin_queries("request-success-rate", "istio", false);
  REQUIRE(istio.ok());
  CHECK(contains(istio->value, "istio_requests_total{reporter=\"destination\""));
  CHECK(contains(istio->value, "response_code!~\"5.*\""));
  CHECK(contains(istio->errors, "response_code=~\"5.*\""));
  CHECK(contains(istio->errors, "or vector(0)"));
  auto linkerd = builtin_queries("request-duration", "linkerd", false);
  REQUIRE(linkerd.ok());
  CHECK(contains(linkerd->value, "histogram_quantile(0.99"));
  CHECK(contains(linkerd->value, "response_latency_ms_bucket"));
  auto nginx_primary = builtin_queries("request-success-rate", "nginx", true);
  REQUIRE(nginx_primary.ok());
  CHECK(contains(nginx_primary->value, "canary=\"\""));
  CHECK(builtin_queries("request-duration", "gatewayapi:v1", false).ok());
  auto unknown = builtin_queries("request-duration", "appmesh", false);
  REQUIRE_FALSE(unknown.ok());
  CHECK(contains(unknown.error().message, "appmesh"));
}

TEST_CASE("a threshold check queries the canary and applies min/max as Flagger") {
  HttpServer server([](const HttpRequest&) { return instant(98.5); });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "request-success-rate";
  metric.threshold_range = veer::model::ThresholdRange{99.0, std::nullopt};
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 0};
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::Fail);
  CHECK(*results[0].evidence.value == 98.5);
  CHECK(contains(results[0].evidence.message, "< min 99"));
  CHECK(contains(server.requests().at(0).param("query"), R"(destination_workload=~"podinfo")"));

  server.set_handler([](const HttpRequest&) { return instant(99.9); });
  CHECK(check_metric(metric, context, source, nullptr)[0].verdict == Verdict::Pass);

  server.set_handler([](const HttpRequest&) {
    return HttpResponse{200, {}, testdata::prometheus_empty_vector(), false};
  });
  auto none = check_metric(metric, context, source, nullptr);
  CHECK(none[0].verdict == Verdict::NoData);
  CHECK(contains(none[0].evidence.message, "no values found"));
}

TEST_CASE("a sequential comparison counts errors of canary and primary and keeps its state") {
  HttpServer server([](const HttpRequest& r) {
    const std::string q = r.param("query");
    const bool primary = contains(q, "podinfo-primary");
    const bool errors = contains(q, "=~\"5.*\"");
    if (primary) return instant(errors ? 10 : 1000);
    return instant(errors ? 60 : 1000);
  });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "request-success-rate";
  metric.comparison = veer::model::Comparison{};
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 0};
  veer::analysis::stats::SequentialState state;
  auto results = check_metric(metric, context, source, &state);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::Fail);
  CHECK(results[0].evidence.test == "sequential-binomial");
  CHECK(results[0].evidence.queries.size() == 4);
  // Scaled by (60 s interval - 15 s scrape interval) / 60 s: increase() extrapolates.
  CHECK(state.canary_errors == 45);
  CHECK(state.primary_total == 750);
  CHECK(server.request_count() == 4);
}

TEST_CASE("a binomial comparison on a custom metric needs errors and total") {
  HttpServer server([](const HttpRequest&) { return instant(1); });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "error-rate";
  metric.query = "sum(rate(errors{pod=~\"{{ target }}\"}[{{ interval }}]))";
  metric.comparison = veer::model::Comparison{};
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 0};
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::NoData);
  CHECK(contains(results[0].evidence.message, "comparison.errors is required"));
}

TEST_CASE("mann-whitney compares range samples of canary and primary from a template") {
  HttpServer server([](const HttpRequest& r) {
    if (contains(r.param("query"), "podinfo-primary")) return matrix({100, 102, 98, 101, 99, 103});
    return matrix({150, 149, 152, 155, 148, 151});
  });
  auto source = source_at(server);
  veer::model::MetricTemplate latency;
  latency.metadata.name = "latency";
  latency.spec.query = "p99{workload=\"{{ target }}\"}";
  veer::model::CanaryMetric metric;
  metric.name = "latency";
  metric.template_ref = veer::model::NamedReference{"latency", ""};
  metric.comparison = veer::model::Comparison{};
  metric.comparison->test = veer::model::ComparisonTest::MannWhitney;
  metric.comparison->relative_margin = 0.1;
  MetricCheckContext context{"istio", podinfo(),
                             [&](const veer::model::NamedReference& ref) {
                               return ref.name == "latency" ? &latency : nullptr;
                             },
                             nullptr, 1'700'000'000};
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);  // a comparison without a threshold: no threshold check
  CHECK(results[0].verdict == Verdict::Fail);
  CHECK(*results[0].evidence.estimate == doctest::Approx(50).epsilon(0.05));
  CHECK(*results[0].evidence.margin == doctest::Approx(10.05));
  CHECK(server.requests().back().path == "/api/v1/query_range");

  metric.template_ref = veer::model::NamedReference{"missing", "other"};
  results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::NoData);
  CHECK(contains(results[0].evidence.message, "MetricTemplate other/missing not found"));
}

// The operator's path (not only `veer stats compare`): with 3 values each, even a canary wholly
// worse than the primary gives p = 1/20, so at alpha 0.01 the test can never fail it; a Pass
// there would promote on no evidence. Inconclusive holds the step until more values come.
TEST_CASE("mann-whitney on too few values to ever reach alpha is inconclusive, never a pass") {
  bool worse = false;
  HttpServer server([&](const HttpRequest& r) {
    if (contains(r.param("query"), "podinfo-primary")) return matrix({100, 102, 98});
    return worse ? matrix({150, 149, 152}) : matrix({100, 101, 99});
  });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "latency";
  metric.query = "p99{workload=\"{{ target }}\"}";
  metric.comparison = veer::model::Comparison{};
  metric.comparison->test = veer::model::ComparisonTest::MannWhitney;
  metric.comparison->relative_margin = 0.1;
  metric.comparison->alpha = 0.01;
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 1'700'000'000};
  for (bool w : {false, true}) {
    worse = w;
    CAPTURE(worse);
    auto results = check_metric(metric, context, source, nullptr);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::Inconclusive);
    CHECK(contains(results[0].evidence.message, "too few values for mann-whitney at alpha 0.01"));
    CHECK(contains(results[0].evidence.message, "smallest p-value possible is 0.05"));
  }
  // At alpha 0.1 the same 3 + 3 values can decide: the worse canary fails.
  metric.comparison->alpha = 0.1;
  worse = true;
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::Fail);
}
