#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "operator/cli/command.hpp"
#include "operator/cli/tests/support/run_cli.hpp"

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;

const char* kFlagger = R"(# our podinfo canary
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: istio
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 9898   # the app port
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    metrics:
    - name: request-success-rate
      threshold: 99
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo   # untouched
---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: cw}
spec:
  provider: {type: cloudwatch, region: eu-west-1}
  query: "[]"
)";

std::filesystem::path temp_dir() {
  std::mt19937_64 rng(std::random_device{}());
  auto dir = std::filesystem::temp_directory_path() / ("veer-convert-" + std::to_string(rng()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("veer convert rewrites only Flagger apiVersions and keeps comments and layout") {
  auto r = run({"convert", "-"}, kFlagger);
  INFO(r.err);
  CHECK(r.code == 0);
  std::string expected = kFlagger;
  for (std::size_t at; (at = expected.find("flagger.app/v1beta1")) != std::string::npos;)
    expected.replace(at, 19, "veer.dev/v1beta1");
  CHECK(r.out == expected);
  CHECK(r.err.find("2 document(s) converted") != std::string::npos);
}

TEST_CASE("veer convert warns about what veer treats differently, with lines") {
  auto r = run({"convert", "-"}, kFlagger);
  CHECK(r.err.find("<stdin>:18: warning: Canary test/podinfo: spec.analysis.metrics[0].threshold: "
                   "deprecated") != std::string::npos);
  CHECK(r.err.find("MetricTemplate cw: spec.provider.type: veer validate: veer cannot query "
                   "cloudwatch metrics") != std::string::npos);
  auto quiet = run({"convert", "--quiet", "-"}, kFlagger);
  CHECK(quiet.err.empty());
}

TEST_CASE("converted documents pass veer validate, except a metrics type veer cannot query") {
  auto converted = run({"convert", "-q", "-"}, kFlagger);
  auto r = run({"validate", "--mesh-provider", "istio", "-"}, converted.out);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out ==
        "<stdin>:29: spec.provider.type: veer cannot query cloudwatch metrics: "
        "supported types are prometheus, datadog, graphite, influxdb, newrelic (a Canary "
        "using this template would never get a value)\n");
}

TEST_CASE("veer convert --in-place rewrites files that hold Flagger documents") {
  auto dir = temp_dir();
  std::ofstream(dir / "canary.yaml") << kFlagger;
  std::string other = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
  std::ofstream(dir / "other.yaml") << other;
  auto r = run({"convert", "--in-place", dir.string()});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  auto rewritten = read(dir / "canary.yaml");
  CHECK(rewritten.find("flagger.app") == std::string::npos);
  CHECK(rewritten.find("# the app port") != std::string::npos);
  CHECK(read(dir / "other.yaml") == other);
  std::filesystem::remove_all(dir);
}

TEST_CASE("veer convert: usage and input errors") {
  CHECK(run({"convert"}).code == 64);
  CHECK(run({"convert", "--in-place", "-"}).code == 64);
  CHECK(run({"convert", "--inplace", "-"}).err.find("--in-place") != std::string::npos);
  auto broken = run({"convert", "-"}, "kind: [\n");
  CHECK(broken.code == 1);
  CHECK(broken.err.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("veer convert handles kubectl's List output") {
  auto r = run({"convert", "-q", "-"}, R"(apiVersion: v1
kind: List
items:
- apiVersion: flagger.app/v1beta1
  kind: AlertProvider
  metadata: {name: a}
  spec: {type: slack, address: "https://hooks/x"}
)");
  CHECK(r.code == 0);
  CHECK(r.out.find("- apiVersion: veer.dev/v1beta1\n") != std::string::npos);
  CHECK(r.out.find("apiVersion: v1\n") == 0);
}
