// An Experiment's counts from metric queries: each version's queries rendered with its own
// Deployment and the look's window, the built-in success rate counted exactly, other rates
// turned into counts of the version's requests, MetricTemplates read from the cluster, and
// failures that name the version and metric.
#include <doctest/doctest.h>

#include <functional>

#include "model/experiment.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/experiment_counts_source.hpp"
#include "operator/runtime/tests/support/world.hpp"

using namespace veer;
using nlohmann::json;

namespace {

struct ScriptedSource final : analysis::MetricsSource {
  std::function<base::Outcome<double>(const std::string&)> answer;
  std::vector<std::string> asked;
  base::Outcome<double> instant(const std::string& query, std::optional<double>) override {
    asked.push_back(query);
    return answer(query);
  }
  base::Outcome<std::vector<double>> range(const std::string&, double, double, double) override {
    return base::fail("no range queries");
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

model::Experiment experiment() {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{{"name", name}, {"targetRef", {{"kind", "Deployment"}, {"name", deployment}}}};
  };
  json doc = {{"apiVersion", "veer.dev/v1beta1"},
              {"kind", "Experiment"},
              {"metadata", {{"name", "redesign"}, {"namespace", "shop"}}},
              {"spec",
               {{"provider", "istio"},
                {"service", {{"name", "checkout"}, {"port", 8080}}},
                {"baseline", version("current", "checkout")},
                {"candidates", {version("next", "checkout-next")}},
                {"metrics",
                 {{{"name", "requests"},
                   {"query", "sum(increase(req{app=\"{{ target }}\"}[{{ interval }}]))"}},
                  {{"name", "request-success-rate"}},
                  {{"name", "conversion-rate"}, {"templateRef", {{"name", "conversions"}}}}}},
                {"criteria",
                 {{"requestCount", "requests"},
                  {"objectives", {{{"metric", "request-success-rate"}, {"lowerLimit", 99}}}},
                  {"rewards", {{{"metric", "conversion-rate"}, {"preferred", "high"}}}}}}}}};
  auto parsed = model::parse_experiment(doc);
  REQUIRE(parsed.ok());
  return parsed.value;
}

}  // namespace

TEST_CASE("experiment counts: every version's queries, counted over the look's window") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(
      {{"apiVersion", "veer.dev/v1beta1"},
       {"kind", "MetricTemplate"},
       {"metadata", {{"name", "conversions"}, {"namespace", "shop"}}},
       {"spec",
        {{"provider", {{"type", "prometheus"}, {"address", "http://prometheus:9090"}}},
         {"query", "orders{app=\"{{ target }}\"} / visits{app=\"{{ target }}\"}"}}}}));
  ScriptedSource source;
  source.answer = [](const std::string& q) -> base::Outcome<double> {
    const bool next = has(q, "checkout-next");
    if (has(q, "req{")) return next ? 400.0 : 1600.0;
    if (has(q, "orders{")) return next ? 0.08 : 0.05;
    if (has(q, "istio_requests_total") && has(q, "response_code=~\"5.*\""))
      return next ? 20.0 : 8.0;
    if (has(q, "istio_requests_total")) return next ? 400.0 : 1600.0;
    return base::fail("unexpected query " + q);
  };
  runtime::MetricsCheckerSettings settings;
  settings.source = &source;
  runtime::ExperimentCountsSource counts_source(w.cluster, settings);
  auto counts = counts_source.measure(experiment(), 300);
  REQUIRE_MESSAGE(counts.ok(), (counts.ok() ? "" : counts.error().message));
  REQUIRE(counts->size() == 2);
  const auto& current = (*counts)[0];
  const auto& next = (*counts)[1];
  CHECK(current.name == "current");
  CHECK(current.requests == 1600);
  CHECK(next.requests == 400);
  CHECK(current.metrics.at("request-success-rate").events == 1592);
  CHECK(current.metrics.at("request-success-rate").trials == 1600);
  CHECK(next.metrics.at("request-success-rate").events == 380);
  CHECK(current.metrics.at("conversion-rate").events == 80);  // 5% of 1600 requests
  CHECK(next.metrics.at("conversion-rate").events == 32);
  CHECK(next.metrics.at("conversion-rate").trials == 400);
  // The window is the time since the previous look, as a PromQL duration.
  bool windowed = false;
  for (const auto& q : source.asked) windowed |= has(q, "[5m]");
  CHECK(windowed);
}

TEST_CASE("experiment counts: a failing query names the version and metric, an idle one counts 0") {
  runtime::testing::World w;
  w.add_namespace("shop");
  ScriptedSource source;
  source.answer = [](const std::string& q) -> base::Outcome<double> {
    if (has(q, "checkout-next")) return base::fail("no data");
    return 100.0;
  };
  runtime::MetricsCheckerSettings settings;
  settings.source = &source;
  runtime::ExperimentCountsSource counts_source(w.cluster, settings);
  auto e = experiment();
  e.spec.metrics.pop_back();  // no template: nothing to find
  e.spec.criteria.rewards.clear();
  auto counts = counts_source.measure(e, 60);
  REQUIRE_FALSE(counts.ok());
  CHECK(has(counts.error().message, "version next, metric requests"));
  CHECK(has(counts.error().message, "no data"));

  e.status.versions = {{}, {}};
  e.status.versions[0].name = "current";
  e.status.versions[0].weight = 100;
  e.status.versions[1].name = "next";
  e.status.versions[1].weight = 0;  // cut off or not yet routed: no traffic, no series
  counts = counts_source.measure(e, 60);
  REQUIRE(counts.ok());
  CHECK((*counts)[1].requests == 0);
  CHECK((*counts)[0].requests == 100);
}
