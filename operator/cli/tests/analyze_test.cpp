// `veer analyze` against a Prometheus stand-in on loopback: verdicts, evidence, exit codes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/tests/support/prometheus_json.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "operator/cli/tests/support/sample_canary.hpp"
#include "testing/http_server.hpp"
#include "testing/text.hpp"

using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

using veer::cli::testing::Result;
using veer::cli::testing::run;

using veer::testing::contains;

HttpResponse instant(double value) {
  return HttpResponse{200,
                      {{"Content-Type", "application/json"}},
                      veer::analysis::testdata::prometheus_vector(value),
                      false};
}

// A Canary podinfo in namespace test, analysed every minute, with the `metrics` given.
std::string canary_with(const std::string& metrics) {
  return veer::cli::testing::sample_canary(metrics);
}

const std::string kCanary = canary_with(R"(    - name: request-success-rate
      interval: 1m
      thresholdRange: {min: 99}
    - name: error-rate
      templateRef: {name: error-rate}
      interval: 1m
      thresholdRange: {max: 1}
)");

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

TEST_CASE("a missing template is NoData naming it, bad files exit 65, missing flags exit 64") {
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

namespace {

// One metric on a MetricTemplate `name` (namespace: the Canary's unless `ns` is given).
std::string canary_on_template(const std::string& name, const std::string& ns = "") {
  return canary_with("    - name: " + name + "\n      templateRef: {name: " + name +
                     (ns.empty() ? "" : ", namespace: " + ns) +
                     "}\n      interval: 1m\n      thresholdRange: {max: 1}\n");
}

const std::string kInfluxCanary = canary_on_template("influx-error-rate");

std::string influx_template(const std::string& address) {
  return R"(apiVersion: veer.dev/v1beta1
kind: MetricTemplate
metadata: {name: influx-error-rate, namespace: test}
spec:
  provider:
    type: influxdb
    address: )" +
         address + R"(
    secretRef: {name: influx-auth}
  query: |-
    from(bucket: "apps") |> range(start: -{{ interval }}) |> mean()
)";
}

// token "s3cret" base64-encoded in data, org in stringData.
const char* kInfluxSecret = R"(apiVersion: v1
kind: Secret
metadata: {name: influx-auth, namespace: test}
data: {token: czNjcmV0}
stringData: {org: acme}
)";

const char* kInfluxValue =
    "#datatype,string,long,double\r\n#group,false,false,false\r\n#default,_result,,\r\n"
    ",result,table,_value\r\n,,0,0.25\r\n\r\n";

// A stand-in InfluxDB that answers only to the Secret's credentials.
HttpResponse influx(const HttpRequest& r) {
  if (r.headers.count("authorization") == 0 || r.headers.at("authorization") != "Token s3cret" ||
      r.param("org") != "acme") {
    return HttpResponse{
        401, {}, R"({"code":"unauthorized","message":"unauthorized access"})", false};
  }
  return HttpResponse{200, {{"Content-Type", "text/csv"}}, kInfluxValue, false};
}

// Keeps $KUBECONFIG out of a test (and restores it), so no real cluster is ever asked.
struct NoKubeconfigEnv {
  std::optional<std::string> saved;
  NoKubeconfigEnv() {
    if (const char* v = std::getenv("KUBECONFIG")) saved = v;
    unsetenv("KUBECONFIG");
  }
  ~NoKubeconfigEnv() {
    if (saved) setenv("KUBECONFIG", saved->c_str(), 1);
  }
};

}  // namespace

TEST_CASE("--secret NAME=FILE: a MetricTemplate's credentials from a Secret manifest") {
  NoKubeconfigEnv env;
  HttpServer server(influx);
  Files files;
  const auto canary = files.write("canary.yaml", kInfluxCanary);
  const auto templates = files.write("templates.yaml", influx_template(server.url()));
  auto r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates,
                "--secret", "influx-auth=" + files.write("secret.yaml", kInfluxSecret)});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "influx-error-rate [threshold] Pass: 0.25 within"));
  CHECK(contains(r.out, "range(start: -1m)"));
}

TEST_CASE("a missing Secret or key exits 65 naming the template, the Secret and the key") {
  NoKubeconfigEnv env;
  HttpServer server(influx);
  Files files;
  const auto canary = files.write("canary.yaml", kInfluxCanary);
  const auto templates = files.write("templates.yaml", influx_template(server.url()));

  auto r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates});
  CHECK(r.code == 65);
  CHECK(contains(r.err,
                 "MetricTemplate test/influx-error-rate: spec.provider.secretRef: Secret "
                 "test/influx-auth not found: give --secret influx-auth=FILE"));
  CHECK(server.request_count() == 0);

  const auto no_org = files.write("no-org.yaml", R"(kind: Secret
metadata: {name: influx-auth}
stringData: {token: s3cret}
)");
  r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates,
           "--secret", "influx-auth=" + no_org});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "Secret test/influx-auth has no org (provider influxdb)"));

  const auto bad = files.write("bad.yaml",
                               "kind: Secret\nmetadata: {name: influx-auth}\n"
                               "data: {token: '***', org: YWNtZQ==}\n");
  r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates,
           "--secret", "influx-auth=" + bad});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "bad.yaml:1: Secret: data.token is not valid base64"));

  r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--templates", templates,
           "--secret", "influx-auth=" + (files.dir / "absent.yaml").string()});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "--secret influx-auth: "));
  CHECK(contains(r.err, "absent.yaml"));

  r = run({"analyze", "-f", canary, "--prometheus", server.url(), "--secret", "influx-auth"});
  CHECK(r.code == 64);
}

TEST_CASE("with --kubeconfig the Secret is read from the cluster") {
  NoKubeconfigEnv env;
  HttpServer influxdb(influx);
  HttpServer api([](const HttpRequest& r) {
    if (r.headers.count("authorization") == 0 ||
        r.headers.at("authorization") != "Bearer kube-token") {
      return HttpResponse{
          401, {}, R"({"kind":"Status","code":401,"reason":"Unauthorized"})", false};
    }
    if (r.path == "/api/v1") {
      return HttpResponse{200,
                          {{"Content-Type", "application/json"}},
                          R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
                            {"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get"]}]})",
                          false};
    }
    if (r.path == "/api/v1/namespaces/test/secrets/influx-auth") {
      return HttpResponse{200,
                          {{"Content-Type", "application/json"}},
                          R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"influx-auth",
                            "namespace":"test"},"data":{"token":"czNjcmV0","org":"YWNtZQ=="}})",
                          false};
    }
    return HttpResponse{404,
                        {{"Content-Type", "application/json"}},
                        R"({"kind":"Status","apiVersion":"v1","status":"Failure",
                          "message":"secrets \"influx-auth\" not found","reason":"NotFound",
                          "code":404})",
                        false};
  });
  Files files;
  const auto kubeconfig = files.write("kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: )" + api.url() + R"(}
users:
- name: me
  user: {token: kube-token}
contexts:
- name: fake
  context: {cluster: fake, user: me, namespace: test}
current-context: fake
)");
  const auto canary = files.write("canary.yaml", kInfluxCanary);
  auto r = run({"analyze", "-f", canary, "--prometheus", influxdb.url(), "--templates",
                files.write("templates.yaml", influx_template(influxdb.url())), "--kubeconfig",
                kubeconfig});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "influx-error-rate [threshold] Pass"));

  // A template in another namespace: its Secret is looked up there, and is not found.
  auto elsewhere = influx_template(influxdb.url());
  elsewhere.replace(elsewhere.find("namespace: test"), 15, "namespace: prod");
  r = run({"analyze", "-f",
           files.write("canary2.yaml", canary_on_template("influx-error-rate", "prod")),
           "--prometheus", influxdb.url(), "--templates", files.write("prod.yaml", elsewhere),
           "--kubeconfig", kubeconfig});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "Secret prod/influx-auth: "));
  CHECK(contains(r.err, "not found"));
}

TEST_CASE("a prometheus template's secretRef token and headers reach Prometheus") {
  NoKubeconfigEnv env;
  HttpServer server([](const HttpRequest& r) {
    const bool authorised = r.headers.count("authorization") != 0 &&
                            r.headers.at("authorization") == "Bearer prom-token" &&
                            r.headers.count("x-scope-orgid") != 0;
    return authorised
               ? instant(0.2)
               : HttpResponse{401, {}, R"({"status":"error","error":"unauthorized"})", false};
  });
  Files files;
  const auto canary = canary_on_template("error-rate");
  const auto templates = files.write("t.yaml", R"(apiVersion: veer.dev/v1beta1
kind: MetricTemplate
metadata: {name: error-rate, namespace: test}
spec:
  provider:
    type: prometheus
    secretRef: {name: prom-auth}
    headers: {X-Scope-OrgID: [tenant-a]}
  query: sum(rate(errors[{{ interval }}]))
)");
  const auto secret = files.write("s.json", R"({"apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "prom-auth"}, "stringData": {"token": "prom-token"}})");
  auto r = run({"analyze", "-f", files.write("c.yaml", canary), "--prometheus", server.url(),
                "--templates", templates, "--secret", "prom-auth=" + secret});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "0.2 within"));

  const auto empty = files.write("e.yaml", "kind: Secret\nmetadata: {name: prom-auth}\n");
  r = run({"analyze", "-f", files.write("c.yaml", canary), "--prometheus", server.url(),
           "--templates", templates, "--secret", "prom-auth=" + empty});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "has no token, or username and password (provider prometheus)"));
}
