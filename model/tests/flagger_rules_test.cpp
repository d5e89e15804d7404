// Where Flagger's CRD or code refuses a Canary, veer refuses it too, on the same field path;
// where Flagger's schema is wider than veer was without reason, veer follows Flagger; each
// router's own rules; and which provider a Canary without spec.provider is validated for.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/mesh_providers.hpp"
#include "model/provider_inference.hpp"
#include "model/tests/support/field_errors.hpp"
#include "model/validate_document.hpp"

using nlohmann::json;
using namespace veer::model;

using veer::model::testing::errors_of;

namespace {

json minimal_canary() {
  return json::parse(R"({
    "apiVersion": "veer.dev/v1beta1", "kind": "Canary",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {
      "provider": "istio",
      "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
      "service": {"port": 9898},
      "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
                   "metrics": [{"name": "request-success-rate", "interval": "1m",
                                "thresholdRange": {"min": 99}}]}}})");
}

// The reason on `path`, "" when there is no error there.
std::string reason_at(const std::vector<FieldError>& errors, const std::string& path) {
  for (const auto& e : errors)
    if (e.path == path) return e.reason;
  return "";
}

bool refused_at(const json& canary, const std::string& path) {
  auto errors = errors_of(canary);
  std::string all;
  for (const auto& e : errors) all += to_string(e) + "\n";
  INFO(all);
  return !reason_at(errors, path).empty();
}

}  // namespace

TEST_CASE("the base Canary of these tests is valid") {
  auto errors = errors_of(minimal_canary());
  CHECK(errors.empty());
}

TEST_CASE(
    "durations outside Flagger's pattern (digits then m or s) are refused where Flagger's CRD is") {
  auto c = minimal_canary();
  c["spec"]["analysis"]["interval"] = "1h";
  CHECK(reason_at(errors_of(c), "spec.analysis.interval").find("^[0-9]+(m|s)") !=
        std::string::npos);
  c = minimal_canary();
  c["spec"]["analysis"]["metrics"][0]["interval"] = "1.5m";
  CHECK(refused_at(c, "spec.analysis.metrics[0].interval"));
  c = minimal_canary();
  c["spec"]["analysis"]["webhooks"] =
      json::parse(R"([{"name": "load", "url": "http://tester/", "timeout": "2h"}])");
  CHECK(refused_at(c, "spec.analysis.webhooks[0].timeout"));
  // The pattern is a prefix: what Flagger accepts, veer accepts.
  for (const char* ok : {"30s", "1m30s", "500ms", "90m"}) {
    c = minimal_canary();
    c["spec"]["analysis"]["interval"] = ok;
    CHECK_MESSAGE(errors_of(c).empty(), ok);
  }
}

TEST_CASE("a Canary without analysis, or analysis without interval or threshold, is refused") {
  auto c = minimal_canary();
  c["spec"].erase("analysis");
  CHECK(refused_at(c, "spec.analysis"));
  c = minimal_canary();
  c["spec"]["analysis"].erase("interval");
  CHECK(refused_at(c, "spec.analysis.interval"));
  c = minimal_canary();
  c["spec"]["analysis"].erase("threshold");
  CHECK(refused_at(c, "spec.analysis.threshold"));
  // skipAnalysis still needs the analysis block in Flagger's CRD.
  c = minimal_canary();
  c["spec"]["skipAnalysis"] = true;
  CHECK(errors_of(c).empty());
}

TEST_CASE("exactly one of stepWeight, stepWeights and iterations, as Flagger's CRD says") {
  auto c = minimal_canary();
  c["spec"]["analysis"]["iterations"] = 10;
  auto reason = reason_at(errors_of(c), "spec.analysis");
  CHECK(reason.find("set only one of stepWeight, iterations") != std::string::npos);
  c = minimal_canary();
  c["spec"]["analysis"]["stepWeights"] = {5, 10};
  CHECK(refused_at(c, "spec.analysis"));
  c = minimal_canary();
  c["spec"]["analysis"].erase("stepWeight");
  CHECK(reason_at(errors_of(c), "spec.analysis").find("set one of stepWeight") !=
        std::string::npos);
}

TEST_CASE("references need apiVersion, kind and name, ref kinds are Flagger's") {
  auto c = minimal_canary();
  c["spec"]["targetRef"].erase("apiVersion");
  CHECK(refused_at(c, "spec.targetRef.apiVersion"));
  c = minimal_canary();
  c["spec"]["autoscalerRef"] = {{"kind", "HorizontalPodAutoscaler"}, {"name", "podinfo"}};
  CHECK(refused_at(c, "spec.autoscalerRef.apiVersion"));
  c = minimal_canary();
  c["spec"]["provider"] = "nginx";
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Gateway"}, {"name", "podinfo"}};
  CHECK(refused_at(c, "spec.ingressRef.kind"));
}

TEST_CASE("targetRef.apiVersion v1 for a Deployment is accepted: Flagger looks only at the kind") {
  auto c = minimal_canary();
  c["spec"]["targetRef"]["apiVersion"] = "v1";
  CHECK(errors_of(c).empty());
}

TEST_CASE("primaryScalerReplicas below 1 is refused (Flagger's CRD minimum)") {
  auto c = minimal_canary();
  c["spec"]["autoscalerRef"] = json::parse(
      R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "podinfo",
          "primaryScalerReplicas": {"minReplicas": 0, "maxReplicas": 3}})");
  CHECK(refused_at(c, "spec.autoscalerRef.primaryScalerReplicas.minReplicas"));
}

TEST_CASE("sessionAffinity: cookieName and primaryCookieName must differ") {
  auto c = minimal_canary();
  c["spec"]["analysis"]["sessionAffinity"] = {{"cookieName", "flagger"},
                                              {"primaryCookieName", "flagger"}};
  CHECK(refused_at(c, "spec.analysis.sessionAffinity.primaryCookieName"));
  c["spec"]["analysis"]["sessionAffinity"]["primaryCookieName"] = "primary";
  CHECK(errors_of(c).empty());
}

TEST_CASE("Istio sub-objects are checked as Flagger's CRD types them") {
  auto c = minimal_canary();
  c["spec"]["service"]["trafficPolicy"] = {{"tls", {{"mode", "ISTIO_MTLS"}}}};
  CHECK(refused_at(c, "spec.service.trafficPolicy.tls.mode"));
  c = minimal_canary();
  c["spec"]["service"]["match"] = json::parse(R"([{"uri": {"exact": "/api", "prefix": "/api"}}])");
  CHECK(reason_at(errors_of(c), "spec.service.match[0].uri").find("set only one of") !=
        std::string::npos);
  c = minimal_canary();
  c["spec"]["service"]["retries"] = {{"attempts", "3"}, {"perTryTimeout", "1s"}};
  CHECK(refused_at(c, "spec.service.retries.attempts"));
  c = minimal_canary();
  c["spec"]["analysis"].erase("stepWeight");
  c["spec"]["analysis"].erase("maxWeight");
  c["spec"]["analysis"]["iterations"] = 10;
  c["spec"]["analysis"]["match"] = json::parse(R"([{"headers": {"x-canary": {}}}])");
  CHECK(refused_at(c, "spec.analysis.match[0].headers.x-canary"));
  c["spec"]["analysis"]["match"] =
      json::parse(R"([{"headers": {"x-canary": {"exact": "insider"}}}])");
  CHECK(errors_of(c).empty());
}

TEST_CASE(
    "where Flagger's schema is wider, veer follows: empty webhook type and alert severity, "
    "any rewrite.type") {
  auto c = minimal_canary();
  c["spec"]["analysis"]["webhooks"] =
      json::parse(R"([{"name": "load", "type": "", "url": "http://tester/"}])");
  c["spec"]["analysis"]["alerts"] =
      json::parse(R"([{"name": "on-call", "severity": "", "providerRef": {"name": "slack"}}])");
  c["spec"]["service"]["rewrite"] = {{"uri", "/"}, {"type", "Whatever"}};
  auto parsed = parse_canary(c);
  CHECK(parsed.errors.empty());
  CHECK(parsed.value.spec.analysis->webhooks[0].type == WebhookType::Rollout);
  CHECK(parsed.value.spec.analysis->alerts[0].severity == AlertSeverity::Info);
}

TEST_CASE("an AlertProvider with both address and secretRef is refused, as Flagger's CRD does") {
  auto docs = read_documents(R"(apiVersion: veer.dev/v1beta1
kind: AlertProvider
metadata: {name: slack}
spec:
  type: slack
  address: https://hooks.slack.com/services/x
  secretRef: {name: slack-url}
)",
                             "a.yaml");
  auto errors = validate_document(docs.documents[0]);
  CHECK(reason_at(errors, "spec.secretRef") == "set address or secretRef, not both");
  CHECK(errors[0].line == 7);
}

TEST_CASE("providers: all of Flagger's, smi:<version>:<mesh>, discontinued ones refused") {
  for (const char* p :
       {"contour", "gloo", "traefik", "skipper", "apisix", "kuma", "knative", "gatewayapi:v1",
        "gatewayapi:v1beta1", "smi:v1alpha3:linkerd", "smi:v1alpha2:istio", "smi:v1alpha4:osm"})
    CHECK_MESSAGE(is_known_provider(p), p);
  CHECK_FALSE(is_known_provider("smi:v1alpha3:"));
  CHECK_FALSE(is_known_provider("consul"));
  auto c = minimal_canary();
  c["spec"]["provider"] = "appmesh";
  CHECK(reason_at(errors_of(c), "spec.provider").find("discontinued upstream") !=
        std::string::npos);
  c["spec"]["provider"] = "osm";
  CHECK(reason_at(errors_of(c), "spec.provider").find("archived") != std::string::npos);
  c["spec"]["provider"] = "consul";
  CHECK(reason_at(errors_of(c), "spec.provider").find("unknown provider") != std::string::npos);
}

TEST_CASE("a provider without a veer router says so, not that spec.service is missing") {
  auto c = minimal_canary();
  c["spec"]["provider"] = "knative";
  c["spec"]["targetRef"] = {
      {"apiVersion", "serving.knative.dev/v1"}, {"kind", "Service"}, {"name", "podinfo"}};
  c["spec"].erase("service");
  auto errors = errors_of(c);
  CHECK(reason_at(errors, "spec.service").empty());
  if (!provider_supported_by_veer("knative"))
    CHECK(reason_at(errors, "spec.provider") == router_gap("knative"));
}

TEST_CASE(
    "provider knative and a Knative Service target go together, each error naming its field") {
  auto knative = minimal_canary();
  knative["spec"]["provider"] = "knative";
  knative["spec"]["targetRef"] = {
      {"apiVersion", "serving.knative.dev/v1"}, {"kind", "Service"}, {"name", "podinfo"}};
  knative["spec"].erase("service");
  CHECK(errors_of(knative).empty());

  auto deployment = minimal_canary();
  deployment["spec"]["provider"] = "knative";
  CHECK(reason_at(errors_of(deployment), "spec.targetRef.apiVersion") ==
        "provider knative needs a Knative Service target (apiVersion: serving.knative.dev/v1, "
        "kind: Service), not apps/v1 Deployment");

  auto istio = knative;
  istio["spec"]["provider"] = "istio";
  istio["spec"]["service"] = {{"port", 9898}};
  CHECK(reason_at(errors_of(istio), "spec.provider") ==
        "a Knative Service target (spec.targetRef.apiVersion serving.knative.dev/v1) needs "
        "provider knative, not provider istio");

  auto kind = knative;
  kind["spec"]["targetRef"]["kind"] = "Deployment";
  CHECK(reason_at(errors_of(kind), "spec.targetRef.kind") ==
        "must be Service for a Knative target (apiVersion serving.knative.dev/v1)");
}

TEST_CASE(
    "router references: ingressRef for nginx and skipper, routeRef for apisix, upstreamRef "
    "only for gloo") {
  auto c = minimal_canary();
  c["spec"]["provider"] = "skipper";
  CHECK(reason_at(errors_of(c), "spec.ingressRef").find("required with provider skipper") !=
        std::string::npos);
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  CHECK(reason_at(errors_of(c), "spec.ingressRef").empty());
  c = minimal_canary();
  c["spec"]["provider"] = "apisix";
  CHECK(refused_at(c, "spec.routeRef"));
  c["spec"]["routeRef"] = {
      {"apiVersion", "apisix.apache.org/v2"}, {"kind", "ApisixRoute"}, {"name", "podinfo"}};
  CHECK(reason_at(errors_of(c), "spec.routeRef").empty());
  c = minimal_canary();
  c["spec"]["upstreamRef"] = {
      {"apiVersion", "gloo.solo.io/v1"}, {"kind", "Upstream"}, {"name", "podinfo"}};
  CHECK(reason_at(errors_of(c), "spec.upstreamRef").find("only used by provider gloo") !=
        std::string::npos);
  c["spec"]["provider"] = "gloo";
  CHECK(reason_at(errors_of(c), "spec.upstreamRef").empty());
}

TEST_CASE("A/B match, session affinity and mirroring only on the routers Flagger has them for") {
  auto ab = minimal_canary();
  ab["spec"]["analysis"].erase("stepWeight");
  ab["spec"]["analysis"].erase("maxWeight");
  ab["spec"]["analysis"]["iterations"] = 10;
  ab["spec"]["analysis"]["match"] =
      json::parse(R"([{"headers": {"x-canary": {"exact": "insider"}}}])");
  for (const char* p : {"contour", "gloo"}) {
    ab["spec"]["provider"] = p;
    CHECK_MESSAGE(reason_at(errors_of(ab), "spec.analysis.match").empty(), p);
  }
  for (const char* p : {"traefik", "kuma", "linkerd", "smi:v1alpha3:linkerd"}) {
    ab["spec"]["provider"] = p;
    CHECK_MESSAGE(
        reason_at(errors_of(ab), "spec.analysis.match").find("provider " + std::string(p)) == 0, p);
  }
  auto affinity = minimal_canary();
  affinity["spec"]["provider"] = "contour";
  affinity["spec"]["analysis"]["sessionAffinity"] = {{"cookieName", "canary"}};
  CHECK(refused_at(affinity, "spec.analysis.sessionAffinity"));
  auto mirror = ab;
  mirror["spec"]["analysis"].erase("match");
  mirror["spec"]["analysis"]["mirror"] = true;
  for (const char* p : {"kuma", "gloo", "skipper", "apisix", "knative", "linkerd"}) {
    mirror["spec"]["provider"] = p;
    CHECK_MESSAGE(refused_at(mirror, "spec.analysis.mirror"), p);
  }
  // Flagger ignores mirror on contour and traefik; veer renders their own mirroring.
  mirror["spec"]["analysis"]["mirrorWeight"] = 50;
  for (const char* p : {"contour", "traefik"}) {
    mirror["spec"]["provider"] = p;
    CHECK_MESSAGE(reason_at(errors_of(mirror), "spec.analysis.mirror").empty(), p);
    CHECK_MESSAGE(reason_at(errors_of(mirror), "spec.analysis.mirrorWeight").empty(), p);
  }
  mirror["spec"]["provider"] = "gatewayapi:v1";
  CHECK(refused_at(mirror, "spec.analysis.mirrorWeight"));
}

TEST_CASE("the provider of a Canary without spec.provider is inferred from its fields") {
  auto c = minimal_canary();
  c["spec"].erase("provider");
  CHECK(infer_provider(c, "kubernetes").provider == "kubernetes");
  auto g = c;
  g["spec"]["service"]["gatewayRefs"] = json::parse(R"([{"name": "gw"}])");
  CHECK(infer_provider(g, "kubernetes").provider == "gatewayapi:v1");
  auto i = c;
  i["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  CHECK(infer_provider(i, "kubernetes").provider == "nginx");
  auto docs = read_documents(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: podinfo, namespace: test}
spec: {ingressClassName: skipper}
)",
                             "i.yaml");
  auto guess = infer_provider(i, "kubernetes", ingress_classes(docs.documents));
  CHECK(guess.provider == "skipper");
  CHECK(guess.because.find("class skipper") != std::string::npos);
  auto r = c;
  r["spec"]["routeRef"] = {{"name", "x"}};
  CHECK(infer_provider(r, "kubernetes").provider == "apisix");
  auto u = c;
  u["spec"]["upstreamRef"] = {{"name", "x"}};
  CHECK(infer_provider(u, "kubernetes").provider == "gloo");
  auto k = c;
  k["spec"]["targetRef"]["apiVersion"] = "serving.knative.dev/v1";
  CHECK(infer_provider(k, "kubernetes").provider == "knative");
  auto istio = c;
  istio["spec"]["service"]["gateways"] = {"public-gateway"};
  CHECK(infer_provider(istio, "kubernetes").provider == "istio");
}

TEST_CASE(
    "check_document: the inferred provider is a note, --mesh-provider is what the operator "
    "uses") {
  auto docs = read_documents(R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 80
    gatewayRefs: [{name: public, namespace: gateway}]
  analysis: {interval: 1m, threshold: 5, stepWeight: 10}
)",
                             "c.yaml");
  ValidationOptions infer;
  infer.infer_provider = true;
  auto check = check_document(docs.documents[0], infer);
  CHECK(check.errors.empty());
  REQUIRE(check.notes.size() == 1);
  CHECK(check.notes[0].path == "spec.provider");
  CHECK(check.notes[0].reason.find("validated for provider gatewayapi:v1") != std::string::npos);
  ValidationOptions istio;
  istio.mesh_provider = "istio";
  check = check_document(docs.documents[0], istio);
  CHECK(check.notes.empty());
  CHECK(reason_at(check.errors, "spec.service.gatewayRefs")
            .find("only used by gatewayapi providers, not provider istio") != std::string::npos);
}

TEST_CASE("Flagger mode: what only veer lacks is a note, Flagger's own rules stay errors") {
  auto docs = read_documents(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: appmesh
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 80}
  analysis: {interval: 1h, threshold: 5, stepWeight: 10}
)",
                             "c.yaml");
  ValidationOptions flagger;
  flagger.flagger = true;
  auto check = check_document(docs.documents[0], flagger);
  REQUIRE(check.errors.size() == 1);
  CHECK(check.errors[0].path == "spec.analysis.interval");
  CHECK(check.errors[0].line == 8);
  REQUIRE(check.notes.size() == 1);
  CHECK(check.notes[0].reason.find("discontinued upstream") != std::string::npos);
  // Without --flagger the same document is not veer's (the CLI skips it); converted, the
  // discontinued provider is an error.
  auto converted = docs.documents[0];
  converted.json["apiVersion"] = "veer.dev/v1beta1";
  CHECK(check_document(converted, {}).errors.size() == 2);
}

TEST_CASE(
    "MetricTemplate types veer cannot query are refused, naming the type and the supported "
    "ones") {
  auto docs = read_documents_from_file(std::string(VEER_SOURCE_DIR) +
                                       "/model/tests/data/unmeasurable-metric-templates.yaml");
  REQUIRE(docs.errors.empty());
  REQUIRE(docs.documents.size() == 6);
  for (const auto& d : docs.documents) {
    auto errors = validate_document(d);
    REQUIRE_MESSAGE(errors.size() == 1, d.display_name());
    CHECK(errors[0].path == "spec.provider.type");
    CHECK(errors[0].reason.find("veer cannot query") == 0);
    CHECK(errors[0].reason.find("prometheus, datadog, graphite, influxdb, newrelic") !=
          std::string::npos);
    ValidationOptions flagger;
    flagger.flagger = true;
    auto check = check_document(d, flagger);
    CHECK(check.errors.empty());
    CHECK(check.notes.size() == 1);
  }
}
