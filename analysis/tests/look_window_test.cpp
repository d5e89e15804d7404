// Contiguous look windows, the latency comparison (slow requests from a histogram) and the
// non-overlapping samples of numeric comparisons, through check_metric.
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "analysis/builtin_metrics.hpp"
#include "analysis/metric_check.hpp"
#include "analysis/providers/prometheus.hpp"
#include "analysis/tests/support/contains.hpp"
#include "analysis/tests/support/podinfo.hpp"
#include "testing/http_server.hpp"

using namespace veer::analysis;
using namespace std::chrono_literals;
using veer::analysis::testdata::contains;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

using veer::analysis::testdata::instant;
using veer::analysis::testdata::matrix_by_side;
using veer::analysis::testdata::podinfo;
using veer::analysis::testdata::source_at;

namespace {

// A MetricsSource that answers from a table of (query fragment -> value) and records each call.
class FakeSource : public MetricsSource {
 public:
  std::vector<std::pair<std::string, double>> answers;  // first matching fragment wins
  std::vector<std::string> queries;
  std::vector<std::optional<double>> times;

  Outcome<double> instant(const std::string& query, std::optional<double> at) override {
    queries.push_back(query);
    times.push_back(at);
    for (const auto& [fragment, value] : answers) {
      if (contains(query, fragment)) return value;
    }
    return fail("no answer for " + query);
  }
  Outcome<std::vector<double>> range(const std::string&, double, double, double) override {
    return fail("not used");
  }
};

veer::model::CanaryMetric success_rate_comparison() {
  veer::model::CanaryMetric metric;
  metric.name = "request-success-rate";
  metric.interval = 60'000ms;
  metric.threshold_range = veer::model::ThresholdRange{99.0, std::nullopt};
  metric.comparison = veer::model::Comparison{};
  return metric;
}

}  // namespace

TEST_CASE("a look window: every count covers exactly start to end, evaluated at its end") {
  HttpServer server([](const HttpRequest& r) {
    const std::string q = r.param("query");
    if (contains(q, "/")) return instant(99.5);  // the success rate, for the threshold
    return instant(contains(q, "=~\"5.*\"") ? 2 : 1000);
  });
  auto source = source_at(server);
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 1'700'000'000};
  context.window = LookWindow{1'700'000'000 - 93, 1'700'000'000};
  stats::SequentialState state;
  auto results = check_metric(success_rate_comparison(), context, source, &state);
  REQUIRE(results.size() == 2);
  // The threshold keeps Flagger's semantics: the metric's interval, now.
  const auto requests = server.requests();
  const auto& threshold_request = requests.at(0);
  CHECK(contains(threshold_request.param("query"), "[1m]"));
  CHECK(threshold_request.param("time").empty());
  // The four counts: the window's exact length, at its end.
  REQUIRE(server.request_count() == 5);
  for (std::size_t i = 1; i < 5; ++i) {
    const auto& r = requests.at(i);
    CHECK(contains(r.param("query"), "[93s]"));
    CHECK_FALSE(contains(r.param("query"), "[1m]"));
    CHECK(r.param("time") == "1700000000");
  }
  const auto& evidence = results[1].evidence;
  CHECK(*evidence.window_start == 1'700'000'000 - 93);
  CHECK(*evidence.window_end == 1'700'000'000);
  const auto json = to_json(results[1]);
  CHECK(json["window_start"] == 1'700'000'000 - 93);
  CHECK(json["window_end"] == 1'700'000'000);
  CHECK(state.canary_total == 839);  // 1000 x (93 s - 15 s scrape interval) / 93 s
}

TEST_CASE("contiguous looks count each request once, whatever the metric interval") {
  // A counter that grows 10 requests a second; a look's count is its growth over the window
  // the query names. With a 5m metric interval and looks every 60-75 s, windows of the metric
  // interval would overlap; look windows tile the time instead.
  FakeSource source;
  veer::model::CanaryMetric metric = success_rate_comparison();
  metric.threshold_range.reset();
  metric.interval = 300'000ms;
  // The fake answers each window's exact growth, with nothing extrapolated to undo.
  metric.comparison->scrape_interval = 0ms;
  stats::SequentialState state;
  double previous = 1'700'000'000;
  for (double end : {1'700'000'060.0, 1'700'000'135.0, 1'700'000'195.0}) {
    const double seconds = end - previous;
    source.answers = {{"=~\"5.*\"", 0},
                      {"[" + std::to_string(std::llround(seconds)) + "s]", 10 * seconds}};
    MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, end};
    context.window = LookWindow{previous, end};
    auto results = check_metric(metric, context, source, &state);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict != Verdict::NoData);
    previous = end;
  }
  CHECK(state.canary_total == 1950);  // 195 s at 10 a second: no request twice, none lost
  CHECK(state.looks == 3);
  for (const auto& at : source.times) CHECK(at.has_value());
}

TEST_CASE("a window shorter than a second is NoData, not zero requests") {
  FakeSource source;
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 0};
  context.window = LookWindow{100, 100.2};
  auto metric = success_rate_comparison();
  metric.threshold_range.reset();
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::NoData);
  CHECK(contains(results[0].evidence.message, "shorter than one second"));
  CHECK(source.queries.empty());
}

TEST_CASE("request-duration slower than a bucket boundary, per router, with the usual selectors") {
  auto istio = builtin_slow_request_queries("istio", false, 500ms);
  REQUIRE(istio.ok());
  CHECK(istio->total ==
        R"(sum(increase(istio_request_duration_milliseconds_count{reporter="destination",)"
        R"(destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"})"
        R"([{{ interval }}])))");
  CHECK(contains(istio->errors, "clamp_min(" + istio->total + " - "));
  CHECK(contains(istio->errors,
                 R"(istio_request_duration_milliseconds_bucket{reporter="destination")"));
  CHECK(contains(istio->errors, R"(le=~"500(\\.0)?")"));

  auto linkerd = builtin_slow_request_queries("linkerd", false, 1500ms);
  REQUIRE(linkerd.ok());
  CHECK(contains(linkerd->errors,
                 R"(response_latency_ms_bucket{namespace="{{ namespace }}",)"
                 R"(deployment=~"{{ target }}",direction="inbound",le=~"1500(\\.0)?"})"));

  // NGINX and the app's own histogram are in seconds.
  auto nginx = builtin_slow_request_queries("nginx", false, 500ms);
  REQUIRE(nginx.ok());
  CHECK(contains(nginx->errors,
                 R"(nginx_ingress_controller_request_duration_seconds_bucket{)"
                 R"(namespace="{{ namespace }}",ingress="{{ ingress }}",canary!="",le="0.5"})"));
  auto nginx_primary = builtin_slow_request_queries("nginx", true, 2000ms);
  REQUIRE(nginx_primary.ok());
  CHECK(contains(nginx_primary->total, R"(canary="")"));
  CHECK(contains(nginx_primary->errors, R"(le=~"2(\\.0)?")"));
  auto kubernetes = builtin_slow_request_queries("gatewayapi:v1", false, 250ms);
  REQUIRE(kubernetes.ok());
  CHECK(contains(kubernetes->errors, "http_request_duration_seconds_bucket{kubernetes_namespace"));
  CHECK(contains(kubernetes->errors, R"(le="0.25")"));
  CHECK_FALSE(builtin_slow_request_queries("skipper", false, 500ms).ok());
}

TEST_CASE("request-duration with slowerThan runs the sequential test on slow requests") {
  veer::model::CanaryMetric metric;
  metric.name = "request-duration";
  metric.comparison = veer::model::Comparison{};
  metric.comparison->slower_than = 500ms;
  // Canary: 80 of 1000 requests slower than 500 ms; primary: 10 of 1000.
  FakeSource source;
  source.answers = {{"clamp_min(sum(increase(istio_request_duration_milliseconds_count{"
                     "reporter=\"destination\",destination_workload_namespace=\"test\","
                     "destination_workload=~\"podinfo-primary\"}",
                     10},
                    {"clamp_min(", 80},
                    {"_count{", 1000}};
  MetricCheckContext context{"", podinfo(), nullptr, nullptr, 1'700'000'000};
  context.window = LookWindow{1'700'000'000 - 60, 1'700'000'000};
  stats::SequentialState state;
  auto results = check_metric(metric, context, source, &state);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::Fail);
  CHECK(results[0].evidence.test == "sequential-binomial");
  // Scaled by (60 s - 15 s scrape interval) / 60 s.
  CHECK(state.canary_errors == 60);
  CHECK(state.primary_errors == 8);
  CHECK(state.primary_total == 750);
  REQUIRE(source.queries.size() == 4);
  CHECK(contains(source.queries[0], "le=~\"500(\\\\.0)?\""));
  CHECK(contains(source.queries[0], "[60s]"));

  // A slow canary at the same rate as the primary: no evidence against it.
  source.answers = {{"clamp_min(", 10}, {"_count{", 1000}};
  stats::SequentialState same;
  results = check_metric(metric, context, source, &same);
  CHECK(results[0].verdict == Verdict::Inconclusive);

  // Without slowerThan there are no counts to compare.
  metric.comparison->slower_than.reset();
  results = check_metric(metric, context, source, nullptr);
  CHECK(results[0].verdict == Verdict::NoData);
  CHECK(contains(results[0].evidence.message, "slowerThan"));
}

TEST_CASE("numeric comparisons sample non-overlapping buckets and state it in the evidence") {
  std::vector<double> primary, canary;
  for (int i = 0; i < 30; ++i) primary.push_back(100 + (i * 7) % 5);
  for (int i = 0; i < 5; ++i) canary.push_back(150 + i % 3);  // a new canary: 5 buckets so far
  HttpServer server([&](const HttpRequest& r) { return matrix_by_side(r, primary, canary); });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "latency";
  metric.query = "p99{workload=\"{{ target }}\"}[{{ interval }}]";
  metric.interval = 120'000ms;
  metric.comparison = veer::model::Comparison{};
  metric.comparison->test = veer::model::ComparisonTest::Welch;
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 1'700'000'000};
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  // One point per bucket of the metric's interval: the step is the range each point covers.
  const auto request = server.requests().at(0);
  CHECK(request.path == "/api/v1/query_range");
  CHECK(std::stod(request.param("step")) == 120);
  CHECK(std::stod(request.param("end")) == 1'700'000'000);
  CHECK(std::stod(request.param("end")) - std::stod(request.param("start")) == 29 * 120);
  CHECK(contains(request.param("query"), "[2m]"));
  // Both sides cut to the canary's 5 most recent buckets.
  CHECK(*results[0].evidence.n_candidate == 5);
  CHECK(*results[0].evidence.n_baseline == 5);
  CHECK(contains(results[0].evidence.samples, "5 non-overlapping 2m buckets per side"));
  CHECK(to_json(results[0])["samples"] == results[0].evidence.samples);
  CHECK(results[0].verdict == Verdict::Fail);
}

TEST_CASE("strongly dependent buckets are averaged in batches, and the evidence says so") {
  // A slow drift shared by consecutive buckets: neighbours are strongly correlated.
  std::vector<double> primary, canary;
  for (int i = 0; i < 30; ++i) {
    primary.push_back(100 + i);
    canary.push_back(101 + i + (i % 2));
  }
  HttpServer server([&](const HttpRequest& r) { return matrix_by_side(r, primary, canary); });
  auto source = source_at(server);
  veer::model::CanaryMetric metric;
  metric.name = "latency";
  metric.query = "p99{workload=\"{{ target }}\"}";
  metric.comparison = veer::model::Comparison{};
  metric.comparison->test = veer::model::ComparisonTest::MannWhitney;
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 1'700'000'000};
  auto results = check_metric(metric, context, source, nullptr);
  REQUIRE(results.size() == 1);
  const auto& e = results[0].evidence;
  CHECK(contains(e.samples, "batch means of 15 points from 30 non-overlapping 1m buckets"));
  CHECK(*e.n_candidate == 2);
  // Two batch means per side cannot show a shift (the smallest p-value is 1/6): holding, not a
  // Pass that would promote on no evidence.
  CHECK(results[0].verdict == Verdict::Inconclusive);
  CHECK(contains(e.message, "too few values for mann-whitney"));
}

TEST_CASE("counts are scaled back from increase()'s extrapolation, and the evidence says by what") {
  // Prometheus scraped every 15 s: a 60 s window holds samples 45 s apart, extrapolated to 60 s,
  // so 1000 counted requests stand for 750 seen. Scaling makes each request weigh one.
  FakeSource source;
  source.answers = {{"=~\"5.*\"", 40}, {"istio_requests_total", 1000}};
  auto metric = success_rate_comparison();
  metric.threshold_range.reset();
  MetricCheckContext context{"istio", podinfo(), nullptr, nullptr, 1'700'000'000};
  context.window = LookWindow{1'700'000'000 - 60, 1'700'000'000};
  for (auto [scrape, total, errors] : {std::tuple{15'000ms, 750, 30}, std::tuple{30'000ms, 500, 20},
                                       std::tuple{59'000ms, 17, 1}}) {
    CAPTURE(scrape.count());
    metric.comparison->scrape_interval = scrape;
    stats::SequentialState state;
    auto results = check_metric(metric, context, source, &state);
    REQUIRE(results.size() == 1);
    CHECK(state.canary_total == total);
    CHECK(state.canary_errors == errors);
    CHECK(state.primary_total == total);
    CHECK(contains(results[0].evidence.samples, "counts scaled by"));
    CHECK(contains(to_json(results[0]).dump(), "scrape interval"));
  }
}
