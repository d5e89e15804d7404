// `veer analyze` on a Canary of a Knative Service: the built-ins are queried by revision, taken
// from the Service (with its status) among the files or from --revision / --primary-revision,
// and without either the metric holds (exit 2) saying what to give.
#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <string>

#include "analysis/tests/support/prometheus_json.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "testing/http_server.hpp"
#include "testing/text.hpp"

namespace {

const char* kKnativeCanaryYaml = R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: knative
  targetRef: {apiVersion: serving.knative.dev/v1, kind: Service, name: podinfo}
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
    - name: request-duration
      interval: 1m
      thresholdRange: {max: 500}
    - name: request-success-rate
      interval: 1m
      comparison: {test: bayes-binomial, margin: 0.01}
status: {phase: Progressing, lastPromotedSpec: podinfo-00001}
)";

const char* kKnativeServiceYaml = R"(---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: podinfo, namespace: test}
status: {latestCreatedRevisionName: podinfo-00002, latestReadyRevisionName: podinfo-00002}
)";

// A Prometheus stand-in that answers 100 and notes the envoy_cluster_name each query selects.
struct EnvoyClusters {
  std::mutex lock;
  std::set<std::string> seen;
  veer::testing::HttpServer server{[this](const veer::testing::HttpRequest& r) {
    const auto query = r.param("query");
    const std::string label = "envoy_cluster_name=~\"";
    if (const auto at = query.find(label); at != std::string::npos) {
      const auto from = at + label.size();
      std::lock_guard<std::mutex> hold(lock);
      seen.insert(query.substr(from, query.find('"', from) - from));
    }
    return veer::testing::HttpResponse{200,
                                       {{"Content-Type", "application/json"}},
                                       veer::analysis::testdata::prometheus_vector(100),
                                       false};
  }};
  std::set<std::string> clusters() {
    std::lock_guard<std::mutex> hold(lock);
    return seen;
  }
};

}  // namespace

TEST_CASE("analyze a Knative Canary by the revisions of its Service among the files") {
  EnvoyClusters prometheus;
  auto r = veer::cli::testing::run({"analyze", "-f", "-", "--prometheus", prometheus.server.url()},
                                   std::string(kKnativeCanaryYaml) + kKnativeServiceYaml);
  INFO(r.out << r.err);
  CHECK(veer::testing::contains(r.out, "envoy_cluster_name=~\"test/podinfo-00002\""));
  CHECK(prometheus.clusters() == std::set<std::string>{"test/podinfo-00001", "test/podinfo-00002"});
}

TEST_CASE("analyze a Knative Canary by --revision and --primary-revision, which win") {
  EnvoyClusters prometheus;
  auto r = veer::cli::testing::run(
      {"analyze", "-f", "-", "--prometheus", prometheus.server.url(), "--revision", "podinfo-00009",
       "--primary-revision", "podinfo-00007"},
      std::string(kKnativeCanaryYaml) + kKnativeServiceYaml);
  INFO(r.out << r.err);
  CHECK(prometheus.clusters() == std::set<std::string>{"test/podinfo-00007", "test/podinfo-00009"});

  r = veer::cli::testing::run(
      {"analyze", "-f", "-", "--prometheus", prometheus.server.url(), "--revision", "x"},
      kKnativeCanaryYaml);
  CHECK(r.code == 64);
  CHECK(veer::testing::contains(r.err, "--revision and --primary-revision go together"));
}

TEST_CASE("analyze a Knative Canary without its revisions: hold, saying what to give") {
  EnvoyClusters prometheus;
  auto r = veer::cli::testing::run({"analyze", "-f", "-", "--prometheus", prometheus.server.url()},
                                   kKnativeCanaryYaml);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(veer::testing::contains(r.out, "{{ revision }}"));
  CHECK(veer::testing::contains(r.out, "--revision"));
  CHECK(prometheus.clusters().empty());  // no query for an empty revision
}
