// `veer analyze` against a Prometheus stand-in on loopback: verdicts, evidence, exit codes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/tests/support/prometheus_json.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "testing/http_server.hpp"

using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

HttpResponse instant(double value) {
  return HttpResponse{200,
                      {{"Content-Type", "application/json"}},
                      veer::analysis::testdata::prometheus_vector(value),
                      false};
}

const char* kCanary = R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: istio
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
    - name: request-success-rate
      interval: 1m
      thresholdRange: {min: 99}
    - name: error-rate
      templateRef: {name: error-rate}
      interval: 1m
      thresholdRange: {max: 1}
)";

const char* kTemplate = R"(apiVersion: veer.dev/v1beta1
kind: MetricTemplate
metadata: {name: error-rate, namespace: test}
spec:
  provider: {type: prometheus}
  query: sum(rate(errors{pod=~"{{ target }}-.*"}[{{ interval }}]))
)";

struct Files {
  std::filesystem::path dir;
  Files() {
    dir = std::filesystem::temp_directory_path() /
          ("veer-analyze-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
  }
  ~Files() { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

}  // namespace

TEST_CASE("all checks pass: exit 0, each metric with its value and rendered query") {
  HttpServer server([](const HttpRequest& r) {
    return instant(r.param("query").find("errors{") != std::string::npos ? 0.2 : 99.7);
  });
  Files files;
  auto r = run({"analyze", "-f", files.write("canary.yaml", kCanary), "--prometheus", server.url(),
                "--templates", files.write("templates.yaml", kTemplate)});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Canary test/podinfo: Pass"));
  CHECK(contains(r.out, "request-success-rate [threshold] Pass"));
  CHECK(contains(r.out, "error-rate [threshold] Pass"));
  CHECK(contains(r.out, R"(query: sum(rate(errors{pod=~"podinfo-.*"}[1m])))"));
}

TEST_CASE("a failing check: exit 1, and JSON carries the evidence") {
  HttpServer server([](const HttpRequest& r) {
    return instant(r.param("query").find("errors{") != std::string::npos ? 3.5 : 99.7);
  });
  Files files;
  auto r = run({"analyze", "-f", files.write("canary.yaml", kCanary), "--prometheus", server.url(),
                "--templates", files.write("templates.yaml", kTemplate), "-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "Fail");
  REQUIRE(j["checks"].size() == 2);
  CHECK(j["checks"][1]["metric"] == "error-rate");
  CHECK(j["checks"][1]["verdict"] == "Fail");
  CHECK(j["checks"][1]["value"] == 3.5);
}

TEST_CASE("no data or an unreachable Prometheus: exit 2 (hold), never a pass") {
  Files files;
  const auto canary = files.write("canary.yaml", kCanary);
  const auto templates = files.write("templates.yaml", kTemplate);
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{200, {}, veer::analysis::testdata::prometheus_empty_vector(), false};
  });
  auto r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates});
  CHECK(r.code == 2);
  CHECK(contains(r.out, "NoData"));
  CHECK(contains(r.out, "no values found"));

  std::string gone;
  {
    HttpServer stopped([](const HttpRequest&) { return instant(1); });
    gone = stopped.url();
  }
  r = run({"analyze", "-f", canary, "--prometheus", gone, "--templates", templates});
  CHECK(r.code == 2);
  CHECK(contains(r.out, gone));
}

TEST_CASE("a missing template is NoData naming it; bad files exit 65; missing flags exit 64") {
  HttpServer server([](const HttpRequest&) { return instant(99.9); });
  Files files;
  auto r =
      run({"analyze", "-f", files.write("canary.yaml", kCanary), "--prometheus", server.url()});
  CHECK(r.code == 2);
  CHECK(contains(r.out, "MetricTemplate test/error-rate not found"));

  r = run({"analyze", "-f", files.write("bad.yaml", "kind: Canary\nspec: [\n"), "--prometheus",
           server.url()});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "bad.yaml"));

  r = run({"analyze", "-f", (files.dir / "missing.yaml").string(), "--prometheus", server.url()});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "missing.yaml"));

  CHECK(run({"analyze", "--prometheus", server.url()}).code == 64);
  CHECK(run({"analyze", "-f", files.write("c.yaml", kCanary)}).code == 64);
}
