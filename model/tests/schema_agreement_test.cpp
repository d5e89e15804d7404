// The CRD schemas in crds/ and the C++ model agree: every example is valid for both, every
// broken document is rejected by the C++ model on the right field path, and whenever the schema
// rejects a document the C++ model rejects it on the same path (the model adds the rules a
// schema cannot express, such as ascending stepWeights).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "model/alert_provider.hpp"
#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/kind_header.hpp"
#include "model/metric_template.hpp"
#include "model/tests/support/openapi_schema.hpp"
#include "model/validate_document.hpp"

using nlohmann::json;
using namespace veer::model;
using veer::testing::validate_against_schema;

namespace {

namespace fs = std::filesystem;

const fs::path kSource = VEER_SOURCE_DIR;

// kind -> the CRD document.
const std::map<std::string, json>& crds() {
  static const std::map<std::string, json> loaded = [] {
    std::map<std::string, json> out;
    for (const auto& entry : fs::directory_iterator(kSource / "crds")) {
      auto docs = read_documents_from_file(entry.path());
      REQUIRE(docs.errors.empty());
      for (const auto& d : docs.documents)
        if (d.kind == "CustomResourceDefinition") out[d.json["spec"]["names"]["kind"]] = d.json;
    }
    return out;
  }();
  return loaded;
}

const json& schema_of(const std::string& kind) {
  return crds().at(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

std::vector<std::string> schema_paths(const json& doc, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& e : validate_against_schema(doc, schema_of(kind)))
    out.push_back(e.path + " (" + e.reason + ")");
  return out;
}

std::vector<std::string> model_paths(const json& doc) {
  Document d;
  d.json = doc;
  d.kind = doc.value("kind", "");
  d.api_version = doc.value("apiVersion", "");
  std::vector<std::string> out;
  for (const auto& e : validate_document(d)) out.push_back(e.path);
  return out;
}

bool contains_path(const std::vector<std::string>& list, const std::string& path) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& p) {
    return p == path || p.rfind(path + " (", 0) == 0;
  });
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += "  " + s + "\n";
  return out;
}

json base_document(const std::string& kind) {
  static const std::map<std::string, std::string> bases{
      {"Canary", R"json({"apiVersion": "veer.dev/v1beta1", "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {"provider": "istio",
          "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
          "service": {"port": 9898},
          "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
            "alerts": [{"name": "a", "severity": "warn", "providerRef": {"name": "slack"}}],
            "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99},
                         "comparison": {"test": "sequential-binomial"}}],
            "webhooks": [{"name": "load", "type": "rollout", "url": "http://loadtester/"}]}}})json"},
      {"MetricTemplate", R"json({"apiVersion": "veer.dev/v1beta1", "kind": "MetricTemplate",
        "metadata": {"name": "t"},
        "spec": {"provider": {"type": "prometheus", "address": "http://p:9090"}, "query": "up"}})json"},
      {"AlertProvider", R"json({"apiVersion": "veer.dev/v1beta1", "kind": "AlertProvider",
        "metadata": {"name": "a"}, "spec": {"type": "slack", "address": "https://hooks/x"}})json"},
      {"Experiment", R"json({"apiVersion": "veer.dev/v1beta1", "kind": "Experiment",
        "metadata": {"name": "e"},
        "spec": {"provider": "istio", "service": {"port": 80},
          "baseline": {"name": "a", "targetRef": {"name": "app-a"}},
          "candidates": [{"name": "b", "targetRef": {"name": "app-b"}}],
          "metrics": [{"name": "request-success-rate"}],
          "criteria": {"objectives": [{"metric": "request-success-rate", "lowerLimit": 99}]},
          "strategy": {"testingPattern": "ab", "traffic": "progressive"},
          "duration": {"interval": "1m", "iterations": 5}}})json"}};
  return json::parse(bases.at(kind));
}

struct BrokenCase {
  const char* name;
  const char* kind;
  std::function<void(json&)> mutate;
  const char* path;
  bool schema_too;  // false: a rule the schema cannot express
};

const std::vector<BrokenCase>& broken_cases() {
  static const std::vector<BrokenCase> cases{
      {"stepWeight above 100", "Canary", [](json& j) { j["spec"]["analysis"]["stepWeight"] = 120; },
       "spec.analysis.stepWeight", true},
      {"stepWeights not ascending", "Canary",
       [](json& j) {
         j["spec"]["analysis"]["stepWeights"] = {10, 5};
       },
       "spec.analysis.stepWeights[1]", false},
      {"stepWeights above 100", "Canary",
       [](json& j) {
         j["spec"]["analysis"]["stepWeights"] = {10, 150};
       },
       "spec.analysis.stepWeights[1]", true},
      {"maxWeight above 100", "Canary", [](json& j) { j["spec"]["analysis"]["maxWeight"] = 200; },
       "spec.analysis.maxWeight", true},
      {"threshold 0", "Canary", [](json& j) { j["spec"]["analysis"]["threshold"] = 0; },
       "spec.analysis.threshold", true},
      {"thresholdRange min > max", "Canary",
       [](json& j) {
         j["spec"]["analysis"]["metrics"][0]["thresholdRange"] = {{"min", 5}, {"max", 1}};
       },
       "spec.analysis.metrics[0].thresholdRange", false},
      {"interval not a duration", "Canary",
       [](json& j) { j["spec"]["analysis"]["interval"] = "1 minute"; }, "spec.analysis.interval",
       true},
      // Flagger's CRD pattern ^[0-9]+(m|s) for the analysis durations, in veer's CRD too.
      {"interval in hours", "Canary", [](json& j) { j["spec"]["analysis"]["interval"] = "1h"; },
       "spec.analysis.interval", true},
      {"metric interval in hours", "Canary",
       [](json& j) { j["spec"]["analysis"]["metrics"][0]["interval"] = "1h30m"; },
       "spec.analysis.metrics[0].interval", true},
      {"webhook timeout as a fraction", "Canary",
       [](json& j) { j["spec"]["analysis"]["webhooks"][0]["timeout"] = "1.5m"; },
       "spec.analysis.webhooks[0].timeout", true},
      {"canaryAnalysis interval in hours", "Canary",
       [](json& j) {
         j["spec"]["canaryAnalysis"] = j["spec"]["analysis"];
         j["spec"].erase("analysis");
         j["spec"]["canaryAnalysis"]["interval"] = "2h";
       },
       "spec.canaryAnalysis.interval", true},
      {"webhook timeout not a duration", "Canary",
       [](json& j) { j["spec"]["analysis"]["webhooks"][0]["timeout"] = "10"; },
       "spec.analysis.webhooks[0].timeout", true},
      {"unknown webhook type", "Canary",
       [](json& j) { j["spec"]["analysis"]["webhooks"][0]["type"] = "pre-rolout"; },
       "spec.analysis.webhooks[0].type", true},
      {"webhook without url", "Canary",
       [](json& j) { j["spec"]["analysis"]["webhooks"][0].erase("url"); },
       "spec.analysis.webhooks[0].url", true},
      {"webhook url not http", "Canary",
       [](json& j) { j["spec"]["analysis"]["webhooks"][0]["url"] = "ftp://x"; },
       "spec.analysis.webhooks[0].url", true},
      {"unknown alert severity", "Canary",
       [](json& j) { j["spec"]["analysis"]["alerts"][0]["severity"] = "critical"; },
       "spec.analysis.alerts[0].severity", true},
      {"alert without providerRef", "Canary",
       [](json& j) { j["spec"]["analysis"]["alerts"][0].erase("providerRef"); },
       "spec.analysis.alerts[0].providerRef", true},
      {"nginx without ingressRef", "Canary", [](json& j) { j["spec"]["provider"] = "nginx"; },
       "spec.ingressRef", false},
      {"gatewayapi without gatewayRefs", "Canary",
       [](json& j) { j["spec"]["provider"] = "gatewayapi:v1"; }, "spec.service.gatewayRefs", false},
      {"mirroring on linkerd", "Canary",
       [](json& j) {
         j["spec"]["provider"] = "linkerd";
         j["spec"]["analysis"]["mirror"] = true;
       },
       "spec.analysis.mirror", false},
      {"session affinity on nginx", "Canary",
       [](json& j) {
         j["spec"]["provider"] = "nginx";
         j["spec"]["ingressRef"] = {{"name", "podinfo"}};
         j["spec"]["analysis"]["sessionAffinity"] = {{"cookieName", "c"}};
       },
       "spec.analysis.sessionAffinity", false},
      {"session affinity without cookieName", "Canary",
       [](json& j) {
         j["spec"]["analysis"]["sessionAffinity"] = {{"maxAge", 10}};
       },
       "spec.analysis.sessionAffinity.cookieName", true},
      {"metric neither built-in nor query nor templateRef", "Canary",
       [](json& j) { j["spec"]["analysis"]["metrics"][0]["name"] = "latency"; },
       "spec.analysis.metrics[0]", false},
      {"comparison without test", "Canary",
       [](json& j) { j["spec"]["analysis"]["metrics"][0]["comparison"].erase("test"); },
       "spec.analysis.metrics[0].comparison.test", true},
      {"comparison alpha out of range", "Canary",
       [](json& j) { j["spec"]["analysis"]["metrics"][0]["comparison"]["alpha"] = 0.7; },
       "spec.analysis.metrics[0].comparison.alpha", true},
      {"comparison with two margins", "Canary",
       [](json& j) {
         auto& c = j["spec"]["analysis"]["metrics"][0]["comparison"];
         c["margin"] = 0.01;
         c["relativeMargin"] = 0.1;
       },
       "spec.analysis.metrics[0].comparison.relativeMargin", false},
      {"misspelt field", "Canary", [](json& j) { j["spec"]["analysis"]["stepweight"] = 10; },
       "spec.analysis.stepweight", true},
      {"port as a string", "Canary", [](json& j) { j["spec"]["service"]["port"] = "9898"; },
       "spec.service.port", true},
      {"unsupported target kind", "Canary",
       [](json& j) { j["spec"]["targetRef"]["kind"] = "StatefulSet"; }, "spec.targetRef.kind",
       true},
      {"no service", "Canary", [](json& j) { j["spec"].erase("service"); }, "spec.service",
       false},  // a rule: Knative Canaries have no spec.service (Flagger's CRD does not require it)
      {"progressDeadlineSeconds 0", "Canary",
       [](json& j) { j["spec"]["progressDeadlineSeconds"] = 0; }, "spec.progressDeadlineSeconds",
       true},
      {"unknown metric provider", "MetricTemplate",
       [](json& j) { j["spec"]["provider"]["type"] = "prom"; }, "spec.provider.type", true},
      {"template without query", "MetricTemplate", [](json& j) { j["spec"].erase("query"); },
       "spec.query", true},
      {"unknown alert provider", "AlertProvider", [](json& j) { j["spec"]["type"] = "email"; },
       "spec.type", true},
      {"alert address not a URL", "AlertProvider",
       [](json& j) { j["spec"]["address"] = "hooks.slack.com"; }, "spec.address", true},
      {"alert provider without address or secret", "AlertProvider",
       [](json& j) { j["spec"].erase("address"); }, "spec", false},
      {"duplicate version names", "Experiment",
       [](json& j) { j["spec"]["candidates"][0]["name"] = "a"; }, "spec.candidates[0].name", false},
      {"unknown traffic strategy", "Experiment",
       [](json& j) { j["spec"]["strategy"]["traffic"] = "random"; }, "spec.strategy.traffic", true},
      {"zero iterations", "Experiment", [](json& j) { j["spec"]["duration"]["iterations"] = 0; },
       "spec.duration.iterations", true},
      {"objective on an unknown metric", "Experiment",
       [](json& j) { j["spec"]["criteria"]["objectives"][0]["metric"] = "latency"; },
       "spec.criteria.objectives[0].metric", false},
  };
  return cases;
}

}  // namespace

TEST_CASE("the CRDs declare group, version, names, categories, status and printer columns") {
  REQUIRE(crds().size() == 4);
  for (const auto& [kind, crd] : crds()) {
    CAPTURE(kind);
    CHECK(crd["apiVersion"] == "apiextensions.k8s.io/v1");
    CHECK(crd["spec"]["group"] == "veer.dev");
    CHECK(crd["spec"]["scope"] == "Namespaced");
    const auto& names = crd["spec"]["names"];
    CHECK(names["categories"] == json({"all", "veer"}));
    CHECK(!names["shortNames"].empty());
    CHECK(crd["metadata"]["name"] == names["plural"].get<std::string>() + ".veer.dev");
    const auto& version = crd["spec"]["versions"][0];
    CHECK(version["name"] == "v1beta1");
    CHECK(version["storage"] == true);
    bool has_status = kind == "Canary" || kind == "Experiment";
    CHECK(version.contains("subresources") == has_status);
  }
  std::vector<std::string> columns;
  for (const auto& c : crds().at("Canary")["spec"]["versions"][0]["additionalPrinterColumns"])
    columns.push_back(c["name"]);
  for (const char* wanted : {"Status", "Weight", "FailedChecks", "Interval", "StepWeight",
                             "StepWeights", "MaxWeight", "LastTransitionTime"})
    CHECK_MESSAGE(std::find(columns.begin(), columns.end(), wanted) != columns.end(), wanted);
}

TEST_CASE("every veer document in examples/ is valid for the schema and the model") {
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kSource / "examples")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    auto docs = read_documents_from_file(entry.path());
    CHECK_MESSAGE(docs.errors.empty(), entry.path().string());
    for (const auto& doc : docs.documents) {
      if (!is_veer_document(doc)) continue;
      ++checked;
      CAPTURE(entry.path().string());
      CAPTURE(doc.display_name());
      auto model = validate_document(doc);
      std::string all;
      for (const auto& e : model) all += to_string(e) + "\n";
      CHECK_MESSAGE(model.empty(), all);
      auto schema = schema_paths(doc.json, doc.kind);
      CHECK_MESSAGE(schema.empty(), join(schema));
    }
  }
  CHECK(checked >= 20);
}

// Flagger's published documents (model/tests/corpus/flagger) that `veer validate --flagger`
// accepts, under veer's apiVersion as `veer convert` writes them: the API server must take them.
TEST_CASE("every Flagger corpus document veer accepts is valid for veer's CRD schema") {
  ValidationOptions options;
  options.flagger = true;
  options.infer_provider = true;
  options.fallback_provider = "istio";
  int checked = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(kSource / "model/tests/corpus/flagger")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    auto docs = read_documents_from_file(entry.path());
    for (const auto& doc : expand_lists(docs.documents)) {
      if (doc.api_version != kFlaggerApiVersion || !check_document(doc, options).errors.empty())
        continue;
      ++checked;
      CAPTURE(entry.path().string());
      CAPTURE(doc.display_name());
      json converted = doc.json;
      converted["apiVersion"] = "veer.dev/v1beta1";
      auto schema = schema_paths(converted, doc.kind);
      CHECK_MESSAGE(schema.empty(), join(schema));
    }
  }
  CHECK(checked >= 80);
}

TEST_CASE("what the model writes back is valid for the schema") {
  for (const auto& kind : {"Canary", "MetricTemplate", "AlertProvider"}) {
    CAPTURE(kind);
    auto doc = base_document(kind);
    json written;
    if (std::string(kind) == "Canary") {
      auto c = parse_canary(doc);
      c.value.status.phase = CanaryPhase::Progressing;
      c.value.status.conditions.push_back({"Promoted", "Unknown", "", "", "Progressing", "x"});
      c.value.status.evidence = {{"request-success-rate", {{"verdict", "pass"}}}};
      written = to_json(c.value);
    } else if (std::string(kind) == "MetricTemplate") {
      written = to_json(parse_metric_template(doc).value);
    } else {
      written = to_json(parse_alert_provider(doc).value);
    }
    auto schema = schema_paths(written, kind);
    CHECK_MESSAGE(schema.empty(), join(schema));
  }
}

TEST_CASE("broken documents: the model names the field, and agrees with the schema") {
  for (const auto& kind : {"Canary", "MetricTemplate", "AlertProvider", "Experiment"}) {
    CAPTURE(kind);
    auto base = base_document(kind);
    auto model = model_paths(base);
    CHECK_MESSAGE(model.empty(), join(model));
    auto schema = schema_paths(base, kind);
    CHECK_MESSAGE(schema.empty(), join(schema));
  }
  for (const auto& c : broken_cases()) {
    CAPTURE(c.name);
    auto doc = base_document(c.kind);
    c.mutate(doc);
    auto model = model_paths(doc);
    auto schema = schema_paths(doc, c.kind);
    CHECK_MESSAGE(contains_path(model, c.path), "model errors:\n" << join(model));
    if (c.schema_too)
      CHECK_MESSAGE(contains_path(schema, c.path), "schema errors:\n" << join(schema));
    else
      CHECK_MESSAGE(schema.empty(), "schema errors:\n" << join(schema));
    // Whatever the schema rejects, the model rejects on the same field.
    for (const auto& e : validate_against_schema(doc, schema_of(c.kind)))
      CHECK_MESSAGE(contains_path(model, e.path), "schema rejects " << e.path
                                                                    << " but the model does not:\n"
                                                                    << join(model));
  }
}

namespace {

// Kubernetes rejects CRDs whose schemas are not structural or whose defaults do not validate.
void check_structural(const json& node, const std::string& path, std::vector<std::string>& out) {
  bool int_or_string = node.value("x-kubernetes-int-or-string", false);
  if (!node.contains("type") && !int_or_string) out.push_back(path + ": no type");
  if (node.contains("properties") && node.contains("additionalProperties"))
    out.push_back(path + ": both properties and additionalProperties");
  if (node.contains("default")) {
    for (const auto& e : validate_against_schema(node["default"], node))
      out.push_back(path + ": default does not validate: " + e.reason);
  }
  if (node.contains("properties"))
    for (const auto& [key, child] : node["properties"].items()) {
      if (!child.contains("description") && key != "metadata")
        out.push_back(path + "." + key + ": no description");
      check_structural(child, path + "." + key, out);
    }
  if (node.contains("items")) check_structural(node["items"], path + "[]", out);
  if (node.contains("additionalProperties") && node["additionalProperties"].is_object())
    check_structural(node["additionalProperties"], path + "{}", out);
}

}  // namespace

TEST_CASE("the CRD schemas are structural, described, and their defaults validate") {
  for (const auto& [kind, crd] : crds()) {
    CAPTURE(kind);
    std::vector<std::string> problems;
    check_structural(schema_of(kind), kind, problems);
    CHECK_MESSAGE(problems.empty(), join(problems));
  }
}

namespace {

// A value for every property the schema declares (enums and defaults where present).
json fill_from_schema(const json& node) {
  if (node.contains("default")) return node["default"];
  if (node.contains("enum")) return node["enum"].back();
  if (node.value("x-kubernetes-int-or-string", false)) return 80;
  std::string type = node.value("type", "object");
  if (type == "string") {
    std::string pattern = node.value("pattern", "");
    if (pattern.find("https?") != std::string::npos) return "https://example.com";
    if (pattern.find("ms|s|m|h") != std::string::npos) return "30s";
    return "x";
  }
  if (type == "integer") return 1;
  if (type == "number") return 0.1;
  if (type == "boolean") return true;
  if (type == "array")
    return node.contains("items") ? json::array({fill_from_schema(node["items"])}) : json::array();
  json out = json::object();
  if (node.contains("properties"))
    for (const auto& [key, child] : node["properties"].items()) out[key] = fill_from_schema(child);
  return out;
}

}  // namespace

TEST_CASE("the model reads every field the schema declares (no field is only in the CRD)") {
  for (const auto& [kind, crd] : crds()) {
    CAPTURE(kind);
    auto doc = fill_from_schema(schema_of(kind));
    doc["apiVersion"] = "veer.dev/v1beta1";
    doc["kind"] = kind;
    doc["metadata"] = {{"name", "x"}};
    if (kind == "Canary") doc["spec"].erase("canaryAnalysis");  // the alias of analysis
    Document d;
    d.json = doc;
    d.kind = kind;
    d.api_version = "veer.dev/v1beta1";
    std::vector<std::string> unknown;
    for (const auto& e : validate_document(d))
      if (e.reason.find("unknown field") != std::string::npos) unknown.push_back(e.path);
    CHECK_MESSAGE(unknown.empty(), join(unknown));
  }
}
