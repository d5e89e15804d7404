// Values Kubernetes or Flagger would refuse are refused by veer validate too.
#include <doctest/doctest.h>

#include "model/document.hpp"
#include "model/validate_document.hpp"

namespace {

std::string errors_text(const std::string& yaml) {
  auto docs = veer::model::read_documents(yaml, "t.yaml");
  REQUIRE(docs.documents.size() == 1);
  std::string out;
  for (const auto& e : veer::model::validate_document(docs.documents[0]))
    out += e.path + ": " + e.reason + "\n";
  return out;
}

std::string canary(const std::string& meta, const std::string& extra) {
  return "apiVersion: veer.dev/v1beta1\nkind: Canary\nmetadata:\n" + meta +
         "spec:\n  provider: istio\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: "
         "app}\n  service:\n    port: 80\n" +
         extra + "  analysis:\n    interval: 1m\n    threshold: 2\n    stepWeight: 10\n";
}

}  // namespace

TEST_CASE("a valid Canary has no errors, so the cases below fail for their own reason") {
  CHECK(errors_text(canary("  name: app\n  namespace: test\n", "")) == "");
}

TEST_CASE("weights of 0 that would be read as not set are refused") {
  for (const char* key : {"maxWeight", "mirrorWeight", "stepWeightPromotion"}) {
    auto text = canary("  name: app\n", "") + "    " + key + ": 0\n";
    CHECK(errors_text(text).find(std::string("spec.analysis.") + key + ": must be 1..100") !=
          std::string::npos);
  }
}

TEST_CASE("minReplicas follows the autoscaler's own minimum") {
  auto hpa = [](const char* kind, int min) {
    return canary("  name: app\n", std::string("  autoscalerRef:\n    apiVersion: v2\n    kind: ") +
                                       kind + "\n    name: app\n    primaryScalerReplicas:\n" +
                                       "      minReplicas: " + std::to_string(min) + "\n");
  };
  CHECK(errors_text(hpa("HorizontalPodAutoscaler", 0)).find("minReplicas: must be at least 1") !=
        std::string::npos);
  CHECK(errors_text(hpa("ScaledObject", -1)).find("minReplicas: must be at least 0") !=
        std::string::npos);
}

TEST_CASE("control characters, bidi overrides and huge strings in names are refused, escaped") {
  auto esc = errors_text(canary("  name: \"app\\e[31m\"\n", ""));
  CHECK(esc.find("metadata.name: \"app\\x1b[31m\" is not a valid name") != std::string::npos);
  CHECK(esc.find('\x1b') == std::string::npos);
  auto ns = errors_text(canary("  name: app\n  namespace: \"te\\u202est\"\n", ""));
  CHECK(ns.find("metadata.namespace:") != std::string::npos);
  auto nul = errors_text(canary("  name: \"a\\0b\"\n", ""));
  CHECK(nul.find("\\x00") != std::string::npos);
  auto huge = errors_text(
      canary("  name: app\n  labels:\n    team: " + std::string(100000, 'a') + "\n", ""));
  CHECK(huge.find("metadata.labels.team: \"aaaa") != std::string::npos);
  CHECK(huge.find("(100000 characters) is not a valid label value: is 100000 characters long") !=
        std::string::npos);
  CHECK(huge.size() < 1000);
  auto host = errors_text(canary("  name: app\n", "    hosts: [\"app.example.com\", \"a\\tb\"]\n"));
  CHECK(host.find("spec.service.hosts[1]: \"a\\x09b\" is not a valid host") != std::string::npos);
  CHECK(host.find("hosts[0]") == std::string::npos);
}
