#include <doctest/doctest.h>

#include <algorithm>

#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/tests/support/field_errors.hpp"
#include "model/validate_document.hpp"

using nlohmann::json;
using namespace veer::model;
using namespace std::chrono_literals;

using veer::model::testing::errors_of;
using veer::model::testing::has_error;

namespace {

// A Canary that uses most Flagger fields and is valid.
json valid_canary() {
  return json::parse(R"json({
  "apiVersion": "veer.dev/v1beta1", "kind": "Canary",
  "metadata": {"name": "podinfo", "namespace": "test"},
  "spec": {
    "provider": "istio",
    "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
    "autoscalerRef": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                      "name": "podinfo", "primaryScalerReplicas": {"minReplicas": 2, "maxReplicas": 5}},
    "service": {"port": 9898, "targetPort": "http", "gateways": ["public"], "hosts": ["app.example.com"],
                "match": [{"uri": {"prefix": "/"}}], "retries": {"attempts": 3},
                "apex": {"labels": {"team": "a"}}},
    "analysis": {
      "interval": "30s", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
      "alerts": [{"name": "on-call", "severity": "error", "providerRef": {"name": "slack"}}],
      "metrics": [
        {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
        {"name": "error-rate", "templateRef": {"name": "error-rate", "namespace": "veer"},
         "thresholdRange": {"max": 1},
         "comparison": {"test": "sequential-binomial", "margin": 0.005,
                        "errors": {"query": "sum(errors)"}, "total": {"query": "sum(total)"}}}],
      "webhooks": [{"name": "load", "type": "rollout", "url": "http://loadtester/", "timeout": "5s",
                    "metadata": {"cmd": "hey"}}],
      "sessionAffinity": {"cookieName": "canary"}
    }
  }
})json");
}

std::string dump(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += to_string(e) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a valid Canary parses into typed fields with defaults applied") {
  auto parsed = parse_canary(valid_canary());
  INFO(dump(parsed.errors));
  REQUIRE(parsed.ok());
  const auto& c = parsed.value;
  CHECK(c.metadata.name == "podinfo");
  CHECK(c.metadata.namespace_ == "test");
  CHECK(c.spec.target_ref.kind == "Deployment");
  CHECK(c.spec.service.port == 9898);
  CHECK(c.spec.service.port_name == "http");
  CHECK_FALSE(c.spec.service.target_port.is_int);
  CHECK(c.spec.service.target_port.string_value == "http");
  CHECK(c.spec.service.match.is_array());
  CHECK(c.spec.service.retries["attempts"] == 3);
  CHECK(c.spec.progress_deadline_seconds == 600);
  REQUIRE(c.spec.analysis);
  const auto& a = *c.spec.analysis;
  CHECK(a.interval == 30s);
  CHECK(a.threshold == 5);
  CHECK(a.primary_ready_threshold == 100);
  CHECK(a.canary_ready_threshold == 100);
  CHECK(a.alerts[0].severity == AlertSeverity::Error);
  CHECK(a.metrics[0].builtin());
  CHECK(a.metrics[1].interval == 60s);
  REQUIRE(a.metrics[1].comparison);
  CHECK(a.metrics[1].comparison->alpha == 0.01);
  CHECK(a.metrics[1].comparison->confidence == 0.95);
  CHECK(a.metrics[1].comparison->direction == Direction::LowerIsBetter);
  CHECK(a.webhooks[0].timeout == 5s);
  CHECK(a.webhooks[0].metadata.at("cmd") == "hey");
  CHECK(a.session_affinity->max_age == 86400);
  CHECK(c.spec.strategy() == DeploymentStrategy::Canary);
  CHECK(c.spec.max_weight() == 50);
  CHECK(c.spec.service_name() == "podinfo");
}

TEST_CASE("the strategy follows Flagger's rule") {
  auto j = valid_canary();
  j["spec"]["analysis"].erase("sessionAffinity");
  j["spec"]["analysis"].erase("stepWeight");  // Flagger's CRD: one of stepWeight or iterations
  j["spec"]["analysis"]["iterations"] = 10;
  CHECK(parse_canary(j).value.strategy() == DeploymentStrategy::BlueGreen);
  j["spec"]["analysis"]["match"] = json::parse(R"([{"headers": {"x-canary": {"exact": "1"}}}])");
  auto ab = parse_canary(j);
  INFO(dump(ab.errors));
  CHECK(ab.ok());
  CHECK(ab.value.strategy() == DeploymentStrategy::ABTesting);
  j["spec"]["provider"] = "kubernetes";
  CHECK(parse_canary(j).value.strategy() == DeploymentStrategy::BlueGreen);
}

TEST_CASE("weights are checked: stepWeight, maxWeight, stepWeights ascending and <= 100") {
  auto j = valid_canary();
  j["spec"]["analysis"]["stepWeight"] = 0;
  j["spec"]["analysis"].erase("stepWeight");
  j["spec"]["analysis"]["stepWeights"] = {5, 20, 20, 120};
  j["spec"]["analysis"]["maxWeight"] = 0;
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.stepWeights[2]", "strictly ascending"));
  CHECK(has_error(e, "spec.analysis.stepWeights[3]", "1..100"));
  j["spec"]["analysis"]["stepWeights"] = {5, 20, 50};
  j["spec"]["analysis"]["maxWeight"] = 101;
  e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.maxWeight", "1..100"));
  j["spec"]["analysis"]["maxWeight"] = 50;
  CHECK(errors_of(j).empty());
  CHECK(parse_canary(j).value.spec.max_weight() == 50);
  j["spec"]["analysis"].erase("stepWeights");
  j["spec"]["analysis"]["stepWeight"] = 150;
  CHECK(has_error(errors_of(j), "spec.analysis.stepWeight", "1..100"));
  j["spec"]["analysis"].erase("stepWeight");
  CHECK(has_error(errors_of(j), "spec.analysis", "set one of stepWeight, stepWeights"));
}

TEST_CASE("thresholdRange min must not exceed max") {
  auto j = valid_canary();
  j["spec"]["analysis"]["metrics"][0]["thresholdRange"] = {{"min", 99}, {"max", 1}};
  CHECK(has_error(errors_of(j), "spec.analysis.metrics[0].thresholdRange", "must not exceed"));
}

TEST_CASE("durations must parse") {
  auto j = valid_canary();
  j["spec"]["analysis"]["interval"] = "1 minute";
  j["spec"]["analysis"]["webhooks"][0]["timeout"] = "5";
  j["spec"]["analysis"]["metrics"][1]["interval"] = 60;
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.interval", "not a duration"));
  CHECK(has_error(e, "spec.analysis.webhooks[0].timeout", "not a duration"));
  CHECK(has_error(e, "spec.analysis.metrics[1].interval", "must be a duration"));
}

TEST_CASE("webhook types and alert severities come from fixed sets") {
  auto j = valid_canary();
  j["spec"]["analysis"]["webhooks"].push_back(
      {{"name", "x"}, {"url", "http://x"}, {"type", "pre-rolout"}});
  j["spec"]["analysis"]["webhooks"].push_back({{"name", "y"}, {"url", "ftp://x"}});
  j["spec"]["analysis"]["webhooks"].push_back({{"name", "z"}});
  j["spec"]["analysis"]["alerts"][0]["severity"] = "critical";
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.webhooks[1].type", "pre-rollout"));
  CHECK(has_error(e, "spec.analysis.webhooks[2].url", "not an http"));
  CHECK(has_error(e, "spec.analysis.webhooks[3].url", "is required"));
  CHECK(has_error(e, "spec.analysis.alerts[0].severity", "info, warn, error"));
  for (const char* type : {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                           "confirm-promotion", "post-rollout", "rollback", "event"})
    CHECK(parse_webhook_type(type).has_value());
}

TEST_CASE("provider-specific needs are enforced") {
  auto j = valid_canary();
  j["spec"]["analysis"].erase("sessionAffinity");
  j["spec"]["provider"] = "nginx";
  CHECK(has_error(errors_of(j), "spec.ingressRef", "required with provider nginx"));
  j["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  CHECK(errors_of(j).empty());

  j = valid_canary();
  j["spec"]["provider"] = "gatewayapi:v1";
  CHECK(has_error(errors_of(j), "spec.service.gatewayRefs", "is required"));
  j["spec"]["service"]["gatewayRefs"] = json::parse(R"([{"name": "gw", "namespace": "istio"}])");
  CHECK(errors_of(j).empty());

  j = valid_canary();
  j["spec"]["provider"] = "linkerd";
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.sessionAffinity", "needs istio or gatewayapi"));
  j["spec"]["analysis"]["mirror"] = true;
  j["spec"]["analysis"]["iterations"] = 5;
  j["spec"]["analysis"]["match"] = json::parse(R"([{"headers": {"x": {"exact": "1"}}}])");
  e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.mirror", "needs istio, gatewayapi, contour or traefik"));
  CHECK(has_error(e, "spec.analysis.match", "cannot route by request headers"));

  // A match key the router cannot express is an error naming it and the router.
  j = valid_canary();
  j["spec"]["analysis"].erase("sessionAffinity");
  j["spec"]["provider"] = "gatewayapi";
  j["spec"]["service"]["gatewayRefs"] = json::parse(R"([{"name": "gw"}])");
  j["spec"]["service"]["match"] = json::parse(R"([{"scheme": {"exact": "https"}}])");
  j["spec"]["analysis"]["iterations"] = 5;
  j["spec"]["analysis"]["match"] =
      json::parse(R"([{"headers": {"x": {"exact": "1"}}}, {"sourceLabels": {"app": "t"}}])");
  e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.match[1].sourceLabels",
                  "cannot be routed by provider gatewayapi"));
  CHECK(has_error(e, "spec.service.match[0].scheme", "cannot be routed by provider gatewayapi"));
  j["spec"]["provider"] = "nginx";
  j["spec"]["service"].erase("match");
  j["spec"]["service"].erase("gatewayRefs");
  j["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  j["spec"]["analysis"]["match"] =
      json::parse(R"([{"uri": {"prefix": "/b"}}, {"headers": {"cookie": {"regex": "c.*"}}}])");
  e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.match[0].uri", "cannot be routed by provider nginx"));
  CHECK(has_error(e, "spec.analysis.match[1].headers.cookie", "needs exact"));
  j["spec"]["provider"] = "istio";
  j["spec"].erase("ingressRef");
  j["spec"]["analysis"].erase("stepWeight");
  j["spec"]["analysis"].erase("maxWeight");
  CHECK(errors_of(j).empty());

  j = valid_canary();
  j["spec"]["provider"] = "appmesh";
  CHECK(has_error(errors_of(j), "spec.provider", "provider appmesh: AWS App Mesh is discontinued"));
  j["spec"]["provider"] = "isito";
  CHECK(has_error(errors_of(j), "spec.provider", "unknown provider"));
}

TEST_CASE("each metric names a built-in, a query or a templateRef") {
  auto j = valid_canary();
  j["spec"]["analysis"]["metrics"].push_back(
      {{"name", "latency-p95"}, {"thresholdRange", {{"max", 500}}}});
  j["spec"]["analysis"]["metrics"].push_back({{"name", "q"},
                                              {"query", "x"},
                                              {"templateRef", {{"name", "t"}}},
                                              {"thresholdRange", {{"max", 1}}}});
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.metrics[2]", "not a built-in"));
  CHECK(has_error(e, "spec.analysis.metrics[3].templateRef", "not both"));
}

TEST_CASE("comparison rules: test required, one margin, ranges, counts for custom binomials") {
  auto j = valid_canary();
  auto& c = j["spec"]["analysis"]["metrics"][1]["comparison"];
  c["relativeMargin"] = 0.1;
  c["alpha"] = 0.7;
  c["confidence"] = 0.4;
  c["earlyPromotion"] = true;
  c.erase("errors");
  c["test"] = "bayes-binomial";
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.relativeMargin", "at most one"));
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.alpha", "between 0 and 0.5"));
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.confidence", "between 0.5 and 1"));
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.earlyPromotion", "sequential-binomial"));
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.errors", "is required"));

  j = valid_canary();
  j["spec"]["analysis"]["metrics"][1]["comparison"] = {{"direction", "up"}};
  e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.test", "is required"));
  CHECK(has_error(e, "spec.analysis.metrics[1].comparison.direction", "lower-is-better"));

  // Built-in success rate: counts derive from the built-in series.
  j = valid_canary();
  j["spec"]["analysis"]["metrics"][0]["comparison"] = {{"test", "sequential-binomial"},
                                                       {"direction", "higher-is-better"}};
  CHECK(errors_of(j).empty());
  // mann-whitney takes samples of the metric itself: errors/total are not used.
  j["spec"]["analysis"]["metrics"][1]["comparison"]["test"] = "mann-whitney";
  CHECK(has_error(errors_of(j), "spec.analysis.metrics[1].comparison.errors",
                  "only used by binomial"));
  j["spec"]["analysis"]["metrics"][1]["comparison"]["errors"] = {{"query", "a"},
                                                                 {"templateRef", {{"name", "b"}}}};
  CHECK(has_error(errors_of(j), "spec.analysis.metrics[1].comparison.errors", "exactly one"));
}

TEST_CASE("typos and wrong types are reported with a hint") {
  auto j = valid_canary();
  j["spec"]["analysis"]["stepweight"] = 10;
  j["spec"]["service"]["port"] = "9898";
  j["spec"]["skipAnalysis"] = "yes";
  auto e = errors_of(j);
  CHECK(has_error(e, "spec.analysis.stepweight", "did you mean \"stepWeight\""));
  CHECK(has_error(e, "spec.service.port", "must be an integer"));
  CHECK(has_error(e, "spec.skipAnalysis", "true or false"));
}

TEST_CASE("required fields: metadata.name, targetRef, service.port") {
  auto j = valid_canary();
  j["metadata"].erase("name");
  j["spec"].erase("targetRef");
  j["spec"]["service"].erase("port");
  auto e = errors_of(j);
  CHECK(has_error(e, "metadata.name", "is required"));
  CHECK(has_error(e, "spec.targetRef", "is required"));
  CHECK(has_error(e, "spec.service.port", "is required"));
  j = valid_canary();
  j["spec"]["targetRef"]["kind"] = "StatefulSet";
  CHECK(has_error(errors_of(j), "spec.targetRef.kind", "Deployment, DaemonSet, Service"));
}

TEST_CASE("Flagger documents are accepted only when asked, and converted by apiVersion") {
  auto j = valid_canary();
  j["apiVersion"] = "flagger.app/v1beta1";
  CHECK(has_error(errors_of(j), "apiVersion", "veer convert"));
  CHECK(parse_canary(j, true).ok());
  j["spec"]["canaryAnalysis"] = j["spec"]["analysis"];
  j["spec"].erase("analysis");
  auto parsed = parse_canary(j, true);
  CHECK(parsed.ok());
  CHECK(parsed.value.spec.analysis.has_value());
}

TEST_CASE("errors carry the line of the offending field") {
  auto docs = read_documents(R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 80
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    webhooks:
    - name: a
      url: http://a
    - name: b
      url: http://b
    - name: c
      url: not-a-url
)",
                             "c.yaml");
  REQUIRE(docs.documents.size() == 1);
  auto e = validate_document(docs.documents[0]);
  REQUIRE(e.size() == 1);
  CHECK(e[0].path == "spec.analysis.webhooks[2].url");
  CHECK(e[0].line == 19);
}

TEST_CASE("status round-trips through to_json, including veer's evidence") {
  CanaryStatus s;
  s.phase = CanaryPhase::Progressing;
  s.canary_weight = 30;
  s.failed_checks = 1;
  s.iterations = 2;
  s.tracked_configs = {{"configmap/podinfo", "abc"}};
  s.last_applied_spec = "1234";
  s.conditions.push_back({"Promoted", "Unknown", "t1", "t2", "Progressing", "running"});
  s.observed_generation = 7;
  s.evidence = {{"error-rate", {{"verdict", "pass"}, {"eValue", 0.5}}}};
  auto j = to_json(s);
  CHECK(j["phase"] == "Progressing");
  auto back = parse_canary_status(j);
  INFO(dump(back.errors));
  REQUIRE(back.ok());
  CHECK(to_json(back.value) == j);
  CHECK(parse_canary_phase("Finalising") == CanaryPhase::Finalising);
  CHECK_FALSE(parse_canary_phase("Done"));
}

TEST_CASE("to_json of a parsed Canary parses back to the same Canary") {
  auto first = parse_canary(valid_canary());
  REQUIRE(first.ok());
  auto again = parse_canary(to_json(first.value));
  INFO(dump(again.errors));
  REQUIRE(again.ok());
  CHECK(to_json(again.value) == to_json(first.value));
}

TEST_CASE("the controller's status.rollout survives a parse and write round trip") {
  auto docs = veer::model::read_documents(R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis: {interval: 1m, threshold: 5, stepWeight: 10}
status:
  phase: Progressing
  rollout: {handledGates: [abc], history: [{weight: 10}]}
)",
                                          "inline.yaml");
  REQUIRE(docs.errors.empty());
  REQUIRE(docs.documents.size() == 1);
  auto parsed = veer::model::parse_canary(docs.documents[0].json);
  CHECK(parsed.errors.empty());
  CHECK(parsed.value.status.rollout["handledGates"][0] == "abc");
  CHECK(veer::model::to_json(parsed.value.status)["rollout"]["history"][0]["weight"] == 10);
}

TEST_CASE("comparison.slowerThan: request-duration counts slow requests, checked and written") {
  auto j = valid_canary();
  j["spec"]["analysis"]["metrics"].push_back(
      {{"name", "request-duration"},
       {"thresholdRange", {{"max", 500}}},
       {"comparison", {{"test", "sequential-binomial"}, {"slowerThan", "500ms"}}}});
  auto parsed = parse_canary(j);
  INFO(dump(parsed.errors));
  REQUIRE(parsed.ok());
  const auto& c = *parsed.value.spec.analysis->metrics[2].comparison;
  REQUIRE(c.slower_than);
  CHECK(*c.slower_than == 500ms);
  // Written back as a duration, and parsed back to the same value.
  const auto written = to_json(parsed.value);
  CHECK(written["spec"]["analysis"]["metrics"][2]["comparison"]["slowerThan"] == "500ms");
  CHECK(to_json(parse_canary(written).value) == written);

  // Without slowerThan a binomial test on request-duration has no counts.
  auto missing = j;
  missing["spec"]["analysis"]["metrics"][2]["comparison"].erase("slowerThan");
  CHECK(has_error(errors_of(missing), "spec.analysis.metrics[2].comparison.errors", "is required"));

  auto zero = j;
  zero["spec"]["analysis"]["metrics"][2]["comparison"]["slowerThan"] = "0s";
  CHECK(has_error(errors_of(zero), "spec.analysis.metrics[2].comparison.slowerThan", "positive"));

  auto numeric = j;
  numeric["spec"]["analysis"]["metrics"][2]["comparison"]["test"] = "welch";
  CHECK(has_error(errors_of(numeric), "spec.analysis.metrics[2].comparison.slowerThan",
                  "only used by binomial"));

  // On another metric it needs the counts spelled out.
  auto other = valid_canary();
  other["spec"]["analysis"]["metrics"][0]["comparison"] = {{"test", "sequential-binomial"},
                                                           {"slowerThan", "1s"}};
  CHECK(has_error(errors_of(other), "spec.analysis.metrics[0].comparison.slowerThan",
                  "request-duration"));
  other["spec"]["analysis"]["metrics"][1]["comparison"]["slowerThan"] = "1s";
  auto errors = errors_of(other);
  CHECK_FALSE(has_error(errors, "spec.analysis.metrics[1].comparison.slowerThan"));
}

TEST_CASE("comparison.scrapeInterval: defaulted to 15s, written back, shorter than the look") {
  auto j = valid_canary();
  j["spec"]["analysis"]["metrics"][0]["comparison"] = {{"test", "sequential-binomial"}};
  auto parsed = parse_canary(j);
  INFO(dump(parsed.errors));
  REQUIRE(parsed.ok());
  CHECK(parsed.value.spec.analysis->metrics[0].comparison->scrape_interval == 15s);
  CHECK_FALSE(to_json(parsed.value)["spec"]["analysis"]["metrics"][0]["comparison"].contains(
      "scrapeInterval"));

  j["spec"]["analysis"]["metrics"][0]["comparison"]["scrapeInterval"] = "20s";
  parsed = parse_canary(j);
  REQUIRE(parsed.ok());
  CHECK(parsed.value.spec.analysis->metrics[0].comparison->scrape_interval == 20s);
  const auto written = to_json(parsed.value);
  CHECK(written["spec"]["analysis"]["metrics"][0]["comparison"]["scrapeInterval"] == "20s");
  CHECK(to_json(parse_canary(written).value) == written);

  auto zero = j;
  zero["spec"]["analysis"]["metrics"][0]["comparison"]["scrapeInterval"] = "0s";
  CHECK(
      has_error(errors_of(zero), "spec.analysis.metrics[0].comparison.scrapeInterval", "positive"));
  // Prometheus's own default (1m) against a 1m look: no two samples in a window.
  auto slow = j;
  slow["spec"]["analysis"]["interval"] = "1m";
  slow["spec"]["analysis"]["metrics"][0]["comparison"]["scrapeInterval"] = "1m";
  CHECK(has_error(errors_of(slow), "spec.analysis.metrics[0].comparison.scrapeInterval",
                  "shorter than analysis.interval"));
}
