#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

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

}  // namespace

TEST_CASE("veer validate accepts every example and exits 0") {
  auto r = run({"validate", kExamples});
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
  CHECK(r.err.find("1 veer document in 1 file, 3 problems") != std::string::npos);
}

TEST_CASE("veer validate --output json reports for tools") {
  auto r = run({"validate", "--output", "json", "-"}, kBroken);
  CHECK(r.code == 1);
  auto report = nlohmann::json::parse(r.out);
  CHECK(report["valid"] == false);
  CHECK(report["documents"] == 1);
  REQUIRE(report["errors"].size() == 3);
  const auto& first = report["errors"][0];
  CHECK(first["file"] == "<stdin>");
  CHECK(first["kind"] == "Canary");
  CHECK(first["name"] == "podinfo");
  CHECK(first["line"].get<int>() > 0);
  auto ok = run({"validate", "-o", "json", kExamples});
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
