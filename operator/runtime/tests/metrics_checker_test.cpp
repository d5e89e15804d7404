// The operator's metrics checker against a real Prometheus stand-in on loopback: thresholds pass
// and fail, an unreachable Prometheus is NoData naming the URL, MetricTemplates and their Secrets
// come from the cluster, and the sequential test resumes from the Canary status after a restart.
#include <doctest/doctest.h>

#include <atomic>

#include "operator/runtime/metrics_checker.hpp"
#include "operator/runtime/tests/support/world.hpp"
#include "testing/http_server.hpp"

using namespace veer;
using controller::MetricOutcome;
using controller::SequentialDecision;
using nlohmann::json;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

HttpResponse value(double v) {
  json body = {
      {"status", "success"},
      {"data",
       {{"resultType", "vector"},
        {"result", json::array({{{"metric", json::object()},
                                 {"value", json::array({1700000000, std::to_string(v)})}}})}}}};
  return {200, {{"Content-Type", "application/json"}}, body.dump()};
}

model::Canary canary_with(const json& metrics, const std::string& metrics_server = "") {
  json c = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Canary"},
      {"metadata", {{"name", "podinfo"}, {"namespace", "shop"}}},
      {"spec",
       {{"provider", "istio"},
        {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo"}}},
        {"service", {{"port", 9898}}},
        {"analysis",
         {{"interval", "1m"}, {"threshold", 2}, {"stepWeight", 10}, {"metrics", metrics}}}}}};
  if (!metrics_server.empty()) c["spec"]["metricsServer"] = metrics_server;
  auto parsed = model::parse_canary(c);
  for (const auto& e : parsed.errors) MESSAGE(model::to_string(e));
  REQUIRE(parsed.ok());
  return parsed.value;
}

json success_rate_min(double min) {
  return json::array(
      {{{"name", "request-success-rate"}, {"interval", "1m"}, {"thresholdRange", {{"min", min}}}}});
}

json sequential_metric(bool early_promotion = false) {
  return json::array({{{"name", "error-rate"},
                       {"interval", "1m"},
                       {"query", "error_ratio_{{ target }}"},
                       {"comparison",
                        {{"test", "sequential-binomial"},
                         {"relativeMargin", 0.1},
                         {"earlyPromotion", early_promotion},
                         {"errors", {{"query", "errors_{{ target }}"}}},
                         {"total", {{"query", "total_{{ target }}"}}}}}}});
}

// Counts per interval: canary and primary errors and totals.
struct Counts {
  double canary_errors, canary_total, primary_errors, primary_total;
};

HttpServer::Handler counts_handler(Counts c) {
  return [c](const HttpRequest& r) {
    const auto q = r.param("query");
    const bool primary = q.find("-primary") != std::string::npos;
    if (q.rfind("errors_", 0) == 0) return value(primary ? c.primary_errors : c.canary_errors);
    if (q.rfind("total_", 0) == 0) return value(primary ? c.primary_total : c.canary_total);
    return HttpResponse{400, {}, "unexpected query " + q};
  };
}

// What the controller stores for a step (decide's record_verdicts), as the next step reads it.
void store_step(model::Canary& canary, const controller::AnalysisResult& result) {
  json metrics = json::array();
  for (const auto& m : result.metrics)
    metrics.push_back(
        {{"name", m.name}, {"verdict", "pass"}, {"message", m.message}, {"evidence", m.evidence}});
  canary.status.evidence = {{"metrics", metrics}};
}

}  // namespace

TEST_CASE("thresholds on the built-in success rate: pass, fail, and an unreachable Prometheus") {
  runtime::testing::World w;
  std::atomic<double> rate{99.5};
  HttpServer prometheus([&](const HttpRequest& r) {
    CHECK(r.path == "/api/v1/query");
    CHECK(r.param("query").find("istio_requests_total") != std::string::npos);
    return value(rate);
  });
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
  auto canary = canary_with(success_rate_min(99));

  auto pass = checker.analyze(canary);
  REQUIRE(pass.metrics.size() == 1);
  CHECK(pass.metrics[0].outcome == MetricOutcome::Pass);
  CHECK(pass.metrics[0].evidence["value"] == doctest::Approx(99.5));
  CHECK(pass.sequential == SequentialDecision::Continue);

  rate = 91.0;
  auto fail = checker.analyze(canary);
  CHECK(fail.metrics[0].outcome == MetricOutcome::Fail);
  CHECK(fail.metrics[0].message.find("request-success-rate") != std::string::npos);
  CHECK(fail.metrics[0].message.find("< min 99") != std::string::npos);

  // spec.metricsServer wins over the operator's default; nothing listens there.
  const std::string dead = "http://127.0.0.1:1";
  auto nodata = checker.analyze(canary_with(success_rate_min(99), dead));
  CHECK(nodata.metrics[0].outcome == MetricOutcome::NoData);
  CHECK(nodata.metrics[0].message.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("MetricTemplates and their provider Secrets are read from the cluster") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_namespace("metrics");
  HttpServer prometheus([](const HttpRequest& r) {
    if (r.headers.count("authorization") == 0 || r.headers.at("authorization") != "Bearer s3cret")
      return HttpResponse{401, {}, "no token"};
    return value(r.param("query") == "latency_podinfo" ? 180 : -1);
  });
  REQUIRE(w.cluster.create({{"apiVersion", "v1"},
                            {"kind", "Secret"},
                            {"metadata", {{"name", "prom-auth"}, {"namespace", "metrics"}}},
                            {"data", {{"token", "czNjcmV0"}}}}));  // base64("s3cret")
  REQUIRE(w.cluster.create({{"apiVersion", "veer.dev/v1beta1"},
                            {"kind", "MetricTemplate"},
                            {"metadata", {{"name", "latency"}, {"namespace", "metrics"}}},
                            {"spec",
                             {{"provider",
                               {{"type", "prometheus"},
                                {"address", prometheus.url()},
                                {"secretRef", {{"name", "prom-auth"}}}}},
                              {"query", "latency_{{ target }}"}}}}));
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {"http://127.0.0.1:1"});
  auto metric = [](const std::string& template_name) {
    return json::array({{{"name", "latency"},
                         {"interval", "1m"},
                         {"templateRef", {{"name", template_name}, {"namespace", "metrics"}}},
                         {"thresholdRange", {{"max", 500}}}}});
  };
  auto result = checker.analyze(canary_with(metric("latency")));
  REQUIRE(result.metrics.size() == 1);
  CHECK(result.metrics[0].outcome == MetricOutcome::Pass);
  CHECK(result.metrics[0].evidence["value"] == doctest::Approx(180));

  auto missing = checker.analyze(canary_with(metric("nope")));
  CHECK(missing.metrics[0].outcome == MetricOutcome::NoData);
  CHECK(missing.metrics[0].message.find("metrics/nope") != std::string::npos);

  REQUIRE(w.cluster.remove({kube::type_of("v1", "Secret"), "metrics", "prom-auth"}));
  auto no_secret = checker.analyze(canary_with(metric("latency")));
  CHECK(no_secret.metrics[0].outcome == MetricOutcome::NoData);
  CHECK(no_secret.metrics[0].message.find("metrics/prom-auth") != std::string::npos);
}

TEST_CASE("the sequential test's state is carried in the status across steps and restarts") {
  runtime::testing::World w;
  HttpServer prometheus(counts_handler({1, 1000, 9, 9000}));  // same error rate on both sides
  auto canary = canary_with(sequential_metric());

  controller::AnalysisResult step1;
  {
    runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
    step1 = checker.analyze(canary);
  }
  REQUIRE(step1.metrics.size() == 1);
  // Undecided: the step holds (verdict_rule.hpp), and says what it has seen so far.
  CHECK(step1.metrics[0].outcome == MetricOutcome::Inconclusive);
  CHECK(step1.sequential == SequentialDecision::Continue);
  CHECK(step1.evidence_so_far.rfind("error-rate: e-value ", 0) == 0);
  // Counts scaled by (60 s - 15 s scrape interval) / 60 s (metric_check.cpp, count_scale).
  CHECK(step1.evidence_so_far.find("canary 1 errors in 750 requests, primary 7 in 6750") !=
        std::string::npos);
  const auto state1 = step1.metrics[0].evidence.at("sequential_state");
  CHECK(state1.value("looks", 0) == 1);
  CHECK(state1.value("canaryTotal", 0) == 750);

  store_step(canary, step1);
  w.clock.advance(std::chrono::minutes(1));  // the next look, a minute later
  runtime::AnalysisMetricsChecker restarted(w.cluster, w.clock, {prometheus.url()});
  auto step2 = restarted.analyze(canary);
  const auto state2 = step2.metrics[0].evidence.at("sequential_state");
  CHECK(state2.value("looks", 0) == 2);
  CHECK(state2.value("canaryTotal", 0) == 1500);
  CHECK(state2.value("primaryErrors", 0) == 14);

  // A second look at the same instant has nothing new to count: it holds, state unchanged.
  store_step(canary, step2);
  auto same_instant = restarted.analyze(canary);
  CHECK(same_instant.metrics[0].outcome == MetricOutcome::Inconclusive);
  CHECK(same_instant.metrics[0].evidence.at("sequential_state").value("looks", 0) == 2);

  // A new run (decide clears the evidence) starts a new test.
  canary.status.evidence = json::object();
  auto fresh = restarted.analyze(canary);
  CHECK(fresh.metrics[0].evidence.at("sequential_state").value("looks", 0) == 1);
}

TEST_CASE("the sequential test proves a canary worse, or no worse, and says why") {
  runtime::testing::World w;
  HttpServer worse(counts_handler({100, 1000, 9, 9000}));
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {worse.url()});
  auto result = checker.analyze(canary_with(sequential_metric()));
  CHECK(result.metrics[0].outcome == MetricOutcome::Fail);
  CHECK(result.sequential == SequentialDecision::ProvenWorse);
  CHECK(result.sequential_message.find("error-rate") != std::string::npos);

  // Many intervals of a canary with no errors at all against a primary with some.
  HttpServer better(counts_handler({0, 1000, 50, 1000}));
  runtime::AnalysisMetricsChecker good(w.cluster, w.clock, {better.url()});
  auto canary = canary_with(sequential_metric(true));
  controller::AnalysisResult step;
  for (int i = 0; i < 20 && step.sequential != SequentialDecision::ProvenNoWorse; ++i) {
    step = good.analyze(canary);
    store_step(canary, step);
    w.clock.advance(std::chrono::minutes(1));
  }
  CHECK(step.sequential == SequentialDecision::ProvenNoWorse);
  CHECK(step.metrics[0].outcome == MetricOutcome::Pass);

  // Too few requests is never a pass.
  HttpServer sparse(counts_handler({0, 3, 0, 5}));
  auto few = json::array({{{"name", "error-rate"},
                           {"interval", "1m"},
                           {"query", "error_ratio_{{ target }}"},
                           {"comparison",
                            {{"test", "sequential-binomial"},
                             {"relativeMargin", 0.1},
                             {"minSamples", 100},
                             {"errors", {{"query", "errors_{{ target }}"}}},
                             {"total", {{"query", "total_{{ target }}"}}}}}}});
  runtime::AnalysisMetricsChecker sparse_checker(w.cluster, w.clock, {sparse.url()});
  auto held = sparse_checker.analyze(canary_with(few));
  CHECK(held.metrics[0].outcome == MetricOutcome::Inconclusive);
  CHECK(held.metrics[0].message.find("fewer than minSamples=100") != std::string::npos);
}

TEST_CASE("several compared metrics share one alpha (Bonferroni), shown in the evidence") {
  runtime::testing::World w;
  HttpServer prometheus(counts_handler({1, 1000, 9, 9000}));
  auto metrics = sequential_metric();
  auto second = metrics[0];
  second["name"] = "error-rate-2";
  second["comparison"]["alpha"] = 0.02;
  metrics.push_back(second);
  metrics.push_back(success_rate_min(99)[0]);  // a threshold is not a test: not counted
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
  auto result = checker.analyze(canary_with(metrics));
  REQUIRE(result.metrics.size() == 3);
  CHECK(result.metrics[0].evidence["alpha_family"] == 0.01);  // the default
  CHECK(result.metrics[0].evidence["alpha_used"] == 0.005);
  CHECK(result.metrics[1].evidence["alpha_used"] == 0.01);
  CHECK(result.metrics[0].evidence["family_rule"] == "bonferroni over 2 comparison test(s)");
  CHECK_FALSE(result.metrics[2].evidence.contains("alpha_used"));
}

TEST_CASE("the traffic-split guard compares the look's requests with the weight veer wrote") {
  runtime::testing::World w;
  SUBCASE("the right split") {
    HttpServer prometheus(counts_handler({1, 1000, 9, 9000}));
    auto canary = canary_with(sequential_metric());
    canary.status.canary_weight = 10;
    runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
    auto result = checker.analyze(canary);
    REQUIRE(result.traffic_split);
    CHECK_FALSE(result.traffic_split->mismatch);
    CHECK(result.traffic_split->evidence["observed_share"] == 0.1);
  }
  SUBCASE("a router that ignores the weight") {
    HttpServer prometheus(counts_handler({5, 5000, 5, 5000}));
    auto canary = canary_with(sequential_metric());
    canary.status.canary_weight = 10;
    runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
    auto result = checker.analyze(canary);
    REQUIRE(result.traffic_split);
    CHECK(result.traffic_split->mismatch);
    CHECK(result.traffic_split->message.find(
              "veer set the canary weight to 10% but the canary received 50.0% of 7500 "
              "requests") != std::string::npos);  // 10000 scaled by 45 s / 60 s
  }
  SUBCASE("the look after an outage is not counted by the guard") {
    HttpServer before(counts_handler({1, 1000, 9, 9000}));
    auto canary = canary_with(sequential_metric());
    canary.status.canary_weight = 10;
    auto first =
        runtime::AnalysisMetricsChecker(w.cluster, w.clock, {before.url()}).analyze(canary);
    REQUIRE(first.traffic_split);
    // Three looks without data, then counts estimated across the gap: a canary pod's reset was
    // not seen, so the canary's share is far below the weight.
    HttpServer after(counts_handler({1, 100, 90, 9000}));
    w.clock.advance(std::chrono::minutes(4));
    for (const char* previous : {"pass", "no-data"}) {
      CAPTURE(previous);
      store_step(canary, first);
      canary.status.evidence["metrics"][0]["verdict"] = previous;
      canary.status.evidence["traffic_split"] = first.traffic_split->evidence;
      auto look =
          runtime::AnalysisMetricsChecker(w.cluster, w.clock, {after.url()}).analyze(canary);
      REQUIRE(look.traffic_split);
      if (std::string(previous) == "pass") {
        CHECK(look.traffic_split->mismatch);  // counted, this look would hold a correct router
      } else {
        CHECK_FALSE(look.traffic_split->mismatch);
        CHECK(look.traffic_split->evidence["state"]["looks"] == 1);
        CHECK(look.traffic_split->evidence.contains("skipped_look"));
        // The comparison still counts the look.
        CHECK(look.metrics[0].evidence["sequential_state"].value("looks", 0) == 2);
      }
    }
  }
  SUBCASE("no traffic yet: nothing to judge") {
    HttpServer prometheus(counts_handler({1, 1000, 9, 9000}));
    auto canary = canary_with(sequential_metric());
    canary.status.canary_weight = 0;
    runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
    CHECK_FALSE(checker.analyze(canary).traffic_split);
  }
}

TEST_CASE("each look counts from where the previous one ended, across restarts and late looks") {
  runtime::testing::World w;
  HttpServer prometheus(counts_handler({1, 1000, 9, 9000}));
  auto canary = canary_with(sequential_metric());
  const auto now = [&] {
    return std::chrono::duration<double>(w.clock.now().time_since_epoch()).count();
  };
  runtime::AnalysisMetricsChecker checker(w.cluster, w.clock, {prometheus.url()});
  auto first = checker.analyze(canary);
  const auto t1 = now();
  // The first look: the metric's interval (1m) ending now.
  CHECK(first.metrics[0].evidence["window"]["start"] == t1 - 60);
  CHECK(first.metrics[0].evidence["window"]["end"] == t1);
  store_step(canary, first);

  w.clock.advance(std::chrono::seconds(95));  // a late reconcile, by a restarted operator
  runtime::AnalysisMetricsChecker restarted(w.cluster, w.clock, {prometheus.url()});
  auto second = restarted.analyze(canary);
  CHECK(second.metrics[0].evidence["window"]["start"] == t1);
  CHECK(second.metrics[0].evidence["window"]["end"] == now());
}
