#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/providers/factory.hpp"
#include "model/canary.hpp"
#include "model/metric_template.hpp"
#include "model/validate_document.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/tests/support/run_cli.hpp"

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;

const std::string kExamples = std::string(VEER_SOURCE_DIR) + "/examples";

const char* kBroken = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: ignored}
spec: {whatever: true}
---
apiVersion: veer.dev/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 80
  analysis:
    stepWeights: [10, 5]
    webhooks:
    - name: a
      url: http://a
    - name: b
      type: pre-rolout
      url: http://b
)";

const char* kGatewayCanary = R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 80
    gatewayRefs: [{name: public, namespace: gateway}]
  analysis: {interval: 1m, threshold: 5, stepWeight: 10}
)";

const char* kFlaggerCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: skipper
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: podinfo}
  service: {port: 80}
  analysis: {interval: 1m, threshold: 5, stepWeight: 10}
---
apiVersion: flagger.app/v1alpha3
kind: Canary
metadata: {name: ancient, namespace: test}
spec: {}
)";

}  // namespace

TEST_CASE("veer validate accepts every example and exits 0") {
  auto r = run({"validate", "--flagger", kExamples});
  INFO(r.out, r.err);
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("0 problems") != std::string::npos);
}

TEST_CASE("veer validate prints file:line: path: reason for each problem and exits 1") {
  auto r = run({"validate", "-"}, kBroken);
  CHECK(r.code == 1);
  CHECK(r.out.find(
            "<stdin>:16: spec.analysis.stepWeights[1]: stepWeights must be strictly ascending") !=
        std::string::npos);
  CHECK(
      r.out.find("<stdin>:21: spec.analysis.webhooks[1].type: unsupported value \"pre-rolout\"") !=
      std::string::npos);
  CHECK(r.out.find("spec.ingressRef: is required with provider nginx") != std::string::npos);
  // The Deployment is not a veer document and is ignored.
  CHECK(r.out.find("whatever") == std::string::npos);
  // With spec.analysis.interval and .threshold, which Flagger's CRD requires.
  CHECK(r.err.find("1 veer document in 1 file, 5 problems, 0 skipped") != std::string::npos);
}

TEST_CASE("veer validate --output json reports for tools") {
  auto r = run({"validate", "--output", "json", "-"}, kBroken);
  CHECK(r.code == 1);
  auto report = nlohmann::json::parse(r.out);
  CHECK(report["valid"] == false);
  CHECK(report["documents"] == 1);
  REQUIRE(report["errors"].size() == 5);
  const auto& first = report["errors"][0];
  CHECK(first["file"] == "<stdin>");
  CHECK(first["kind"] == "Canary");
  CHECK(first["name"] == "podinfo");
  CHECK(first["line"].get<int>() > 0);
  auto ok = run({"validate", "--flagger", "-o", "json", kExamples});
  CHECK(ok.code == 0);
  CHECK(nlohmann::json::parse(ok.out)["valid"] == true);
}

TEST_CASE("veer validate reports YAML syntax errors and unreadable paths") {
  auto r = run({"validate", "-"}, "apiVersion: veer.dev/v1beta1\nkind: Canary\nspec: [1, 2\n");
  CHECK(r.code == 1);
  CHECK(r.out.find("<stdin>:") == 0);
  CHECK(r.out.find("YAML syntax error") != std::string::npos);
  auto missing = run({"validate", "/nonexistent/veer"});
  CHECK(missing.code == 1);
  CHECK(missing.out.find("/nonexistent/veer: no such file or directory") != std::string::npos);
}

TEST_CASE("veer validate: usage errors exit 64 with a hint") {
  CHECK(run({"validate"}).code == 64);
  auto r = run({"validate", "--ouput", "json", "-"});
  CHECK(r.code == 64);
  CHECK(r.err.find("--output") != std::string::npos);
  CHECK(run({"validate", "--output", "xml", "-"}).code == 64);
  auto help = run({"validate", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--output") != std::string::npos);
}

TEST_CASE(
    "veer validate --mesh-provider validates as the operator reads, without it the provider "
    "is inferred and said") {
  auto istio = run({"validate", "--mesh-provider", "istio", "-"}, kGatewayCanary);
  CHECK(istio.code == 1);
  CHECK(istio.out.find("<stdin>:8: spec.service.gatewayRefs: is only used by gatewayapi "
                       "providers, not provider istio") != std::string::npos);
  auto gateway = run({"validate", "--mesh-provider", "gatewayapi:v1", "-"}, kGatewayCanary);
  CHECK(gateway.code == 0);
  CHECK(gateway.err.find("note:") == std::string::npos);
  auto inferred = run({"validate", "-q", "-"}, kGatewayCanary);
  CHECK(inferred.code == 0);
  CHECK(inferred.err.find("<stdin>:4: note: spec.provider: not set: validated for provider "
                          "gatewayapi:v1 (spec.service.gatewayRefs is set)") != std::string::npos);
  auto json = nlohmann::json::parse(run({"validate", "-o", "json", "-"}, kGatewayCanary).out);
  REQUIRE(json["notes"].size() == 1);
  CHECK(json["notes"][0]["path"] == "spec.provider");
  CHECK(json["notes"][0]["line"] == 4);  // spec: the provider is missing there
  auto bad = run({"validate", "--mesh-provider", "istoi", "-"}, kGatewayCanary);
  CHECK(bad.code == 64);
  CHECK(bad.err.find("smi:<version>:<mesh>") != std::string::npos);
}

TEST_CASE(
    "veer validate counts skipped documents in every format and fails unless "
    "--allow-foreign") {
  auto text = run({"validate", "-q", "-"}, kFlaggerCanary);
  CHECK(text.code == 1);
  CHECK(text.err.find("<stdin>:1: skipped Canary test/podinfo (flagger.app/v1beta1): a Flagger "
                      "document") != std::string::npos);
  CHECK(text.err.find("<stdin>:11: skipped Canary test/ancient (flagger.app/v1alpha3)") !=
        std::string::npos);
  CHECK(text.err.find("2 documents went unchecked; pass --allow-foreign") != std::string::npos);
  auto json = nlohmann::json::parse(run({"validate", "-o", "json", "-"}, kFlaggerCanary).out);
  CHECK(json["valid"] == false);
  CHECK(json["documents"] == 0);
  REQUIRE(json["skipped"].size() == 2);
  CHECK(json["skipped"][1]["line"] == 11);
  CHECK(json["skipped"][1]["apiVersion"] == "flagger.app/v1alpha3");
  CHECK_FALSE(json["skipped"][1]["reason"].get<std::string>().empty());
  CHECK(run({"validate", "--allow-foreign", "-"}, kFlaggerCanary).code == 0);
  // Nothing to check at all is not a pass either.
  auto empty = run({"validate", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  CHECK(empty.code == 1);
  CHECK(empty.err.find("no document was checked") != std::string::npos);
  CHECK(run({"validate", "--allow-foreign", "-"}, "apiVersion: v1\nkind: ConfigMap\n").code == 0);
}

TEST_CASE("veer validate --flagger checks flagger.app/v1beta1 documents as Flagger runs them") {
  auto r = run({"validate", "--flagger", "-o", "json", "-"}, kFlaggerCanary);
  auto json = nlohmann::json::parse(r.out);
  CHECK(json["documents"] == 1);
  CHECK(json["errors"].empty());
  REQUIRE(json["skipped"].size() == 1);  // v1alpha3 is nobody's version today
  bool router_note = false;
  for (const auto& n : json["notes"])
    router_note |= n["message"].get<std::string>().find("provider skipper") == 0;
  if (!veer::model::provider_supported_by_veer("skipper")) CHECK(router_note);
  CHECK(r.code == 1);
  CHECK(run({"validate", "--flagger", "--allow-foreign", "-"}, kFlaggerCanary).code == 0);
  // Flagger's own rules stay errors.
  std::string hour = kFlaggerCanary;
  hour.replace(hour.find("interval: 1m"), 12, "interval: 1h");
  auto refused = run({"validate", "--flagger", "--allow-foreign", "-"}, hour);
  CHECK(refused.code == 1);
  CHECK(refused.out.find("<stdin>:9: spec.analysis.interval:") != std::string::npos);
}

TEST_CASE("veer validate --flagger over the Flagger corpus: no crash, every rejection has a path") {
  auto r = run({"validate", "--flagger", "-o", "json",
                std::string(VEER_SOURCE_DIR) + "/model/tests/corpus/flagger"});
  auto json = nlohmann::json::parse(r.out);
  CHECK(json["documents"].get<int>() >= 100);
  CHECK(json["skipped"].size() == 1);
  for (const auto& e : json["errors"]) CHECK_FALSE(e["path"].get<std::string>().empty());
}

TEST_CASE("the MetricTemplate types veer validate accepts are exactly those analysis can query") {
  for (const auto& type : veer::model::metric_provider_types()) {
    veer::model::MetricProvider provider;
    provider.type = type;
    provider.address = "https://metrics.example.com";
    auto made = veer::analysis::make_metrics_source(provider, {}, "http://prometheus:9090",
                                                    std::chrono::seconds(5));
    bool unsupported =
        !made.ok() && made.error().message.find("not supported") != std::string::npos;
    const auto& measurable = veer::model::measurable_metric_provider_types();
    bool listed = std::find(measurable.begin(), measurable.end(), type) != measurable.end();
    CHECK_MESSAGE(listed == !unsupported, type);
  }
}

TEST_CASE("veer validate escapes control characters from file names and values before printing") {
  // A file name can carry ESC, CR and LF, and an invalid UTF-8 byte: none may reach the terminal
  // as-is or start a line that looks like veer's own "file:line: reason".
  auto dir = std::filesystem::temp_directory_path() / "veer-validate-escape";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto hostile = dir / "a\x1b[31m\nforged.yaml:1: ok\xff.yaml";
  {
    std::ofstream f(hostile);
    f << kBroken;
  }
  auto text = run({"validate", dir.string()});
  CHECK(text.code == 1);
  CHECK(text.out.find('\x1b') == std::string::npos);
  CHECK(text.out.find("\nforged") == std::string::npos);
  CHECK(text.out.find("\\x1b[31m") != std::string::npos);
  CHECK(text.out.find("forged.yaml:1: ok") != std::string::npos);
  CHECK(text.out.find('\xff') == std::string::npos);
  CHECK(text.err.find('\x1b') == std::string::npos);

  auto json = run({"validate", "-o", "json", dir.string()});
  CHECK(json.code == 1);
  CHECK(std::none_of(json.out.begin(), json.out.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80 || c == '\x1b'; }));
  auto report = nlohmann::json::parse(json.out);
  CHECK(report["errors"].size() > 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("veer validate names the providers an Experiment can use") {
  const std::string doc = R"(apiVersion: veer.dev/v1beta1
kind: Experiment
metadata: {name: checkout, namespace: shop}
spec:
  provider: contour
  service: {name: checkout, port: 80}
  baseline: {name: current, targetRef: {kind: Deployment, name: checkout}}
  candidates:
  - {name: express, targetRef: {kind: Deployment, name: checkout-express}}
  metrics: [{name: request-success-rate}]
  criteria:
    objectives: [{metric: request-success-rate, lowerLimit: 99}]
  duration: {interval: 1m, iterations: 10}
)";
  auto r = run({"validate", "-"}, doc);
  CHECK(r.code == 1);
  CHECK(r.out.find("<stdin>:5: spec.provider: provider contour has no Experiment router yet: an "
                   "Experiment can use istio or gatewayapi (gatewayapi:v1, gatewayapi:v1beta1), "
                   "which weight any number of versions, or smi (smi:<version>, linkerd) and "
                   "nginx, which route a baseline and one candidate") != std::string::npos);
  std::string istio = doc;
  istio.replace(istio.find("provider: contour"), 17, "provider: istio");
  CHECK(run({"validate", "-"}, istio).code == 0);
}
