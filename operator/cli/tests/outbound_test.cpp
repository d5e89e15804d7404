// The outbound-call policy and the printing rules as a user meets them on the command line:
// `veer analyze`, `veer notify` and `veer operator` refuse URLs the policy forbids before any call,
// never print a password, token or webhook path, and escape what documents and servers send.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/tests/support/prometheus_json.hpp"
#include "http/outbound_policy.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "operator/cli/tests/support/sample_canary.hpp"
#include "testing/http_server.hpp"
#include "testing/text.hpp"

using veer::cli::testing::run;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

using veer::testing::contains;

// No ESC, CR, bidi override or forged line start in what a command printed.
void check_no_controls(const std::string& text) {
  CHECK_FALSE(contains(text, "\x1b"));
  CHECK_FALSE(contains(text, "\r"));
  CHECK_FALSE(contains(text, "\xe2\x80\xae"));
  CHECK_FALSE(contains(text, "\ncanary.yaml:1:"));
}

struct CanaryFile {
  std::filesystem::path path;
  explicit CanaryFile(const std::string& metrics_server = "") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("veer-outbound-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
            ".yaml");
    std::ofstream(path) << veer::cli::testing::sample_canary(
        R"(    - name: request-success-rate
      interval: 1m
      thresholdRange: {min: 99}
)",
        metrics_server.empty() ? "" : "  metricsServer: " + metrics_server + "\n");
  }
  ~CanaryFile() { std::filesystem::remove(path); }
};

// "http://127.0.0.1:P" with userinfo: "http://user:PASSWORD@127.0.0.1:P".
std::string with_userinfo(const std::string& url, const std::string& userinfo) {
  return url.substr(0, 7) + userinfo + "@" + url.substr(7);
}

}  // namespace

TEST_CASE("analyze never prints the password of a --prometheus URL, in text or JSON") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{503, {}, "overloaded: try again", false};
  });
  CanaryFile canary;
  const auto url = with_userinfo(server.url(), "admin:Pa55-distinctive-word");
  for (const char* format : {"text", "json"}) {
    CAPTURE(format);
    auto r = run({"analyze", "-f", canary.path.string(), "--prometheus", url, "--bearer-token",
                  "tok-distinctive-777", "-o", format});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.out, "http://<redacted>@127.0.0.1"));
    CHECK(contains(r.out, "HTTP 503"));
    for (const auto& text : {r.out, r.err}) {
      CHECK_FALSE(contains(text, "Pa55-distinctive-word"));
      CHECK_FALSE(contains(text, "tok-distinctive-777"));
    }
  }
  REQUIRE(server.request_count() >= 1);  // the credentials were still sent
  CHECK(server.requests()[0].headers.count("authorization") == 1);
}

TEST_CASE("analyze: a white-space answer holds (exit 2), never passes") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{200, {{"Content-Type", "application/json"}}, std::string(4096, ' '), false};
  });
  CanaryFile canary;
  auto r = run({"analyze", "-f", canary.path.string(), "--prometheus", server.url()});
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "the response is not JSON"));
}

TEST_CASE("analyze escapes control characters a server sends, so no line can be forged") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{
        400,
        {{"Content-Type", "application/json"}},
        R"({"status":"error","errorType":"bad_data","error":"x\ncanary.yaml:1: forged\r\u001b[2J\u202eok"})",
        false};
  });
  CanaryFile canary;
  for (const char* format : {"text", "json"}) {
    auto r =
        run({"analyze", "-f", canary.path.string(), "--prometheus", server.url(), "-o", format});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.out, "forged"));
    check_no_controls(r.out);
    check_no_controls(r.err);
  }
}

TEST_CASE("analyze refuses URLs the policy forbids, naming the URL and the rule") {
  CanaryFile canary;
  auto r = run({"analyze", "-f", canary.path.string(), "--prometheus", "file:///etc/passwd"});
  CHECK(r.code == 64);
  CHECK(contains(r.err, "--prometheus file:///etc/passwd: only http and https URLs are allowed"));

  r = run({"analyze", "-f", canary.path.string(), "--prometheus",
           "http://u:Pa55-distinctive-word@169.254.169.254/"});
  CHECK(r.code == 64);
  CHECK(contains(r.err,
                 "--prometheus http://<redacted>@169.254.169.254/: the host "
                 "169.254.169.254 is link-local (169.254.0.0/16"));
  CHECK_FALSE(contains(r.err, "Pa55-distinctive-word"));

  r = run({"analyze", "-f", canary.path.string(), "--prometheus", "http://127.0.0.1:9/",
           "--allowed-url-hosts", "prometheus.monitoring,*.example.com"});
  CHECK(r.code == 64);
  CHECK(contains(r.err,
                 "the host 127.0.0.1 is not in --allowed-url-hosts (prometheus.monitoring, "
                 "*.example.com)"));

  CanaryFile from_spec("gopher://127.0.0.1:70/");
  r = run({"analyze", "-f", from_spec.path.string()});
  CHECK(r.code == 65);
  CHECK(contains(r.err, "spec.metricsServer gopher://127.0.0.1:70/: only http and https"));

  // Turned off, a link-local address is called (and here does not answer in time).
  r = run({"analyze", "-f", canary.path.string(), "--prometheus", "http://169.254.169.254:9/",
           "--deny-link-local=false", "--timeout", "0.2"});
  CHECK(r.code == 2);
  CHECK_FALSE(contains(r.out + r.err, "link-local"));
  CHECK(run({"analyze", "-f", canary.path.string(), "--deny-link-local=maybe"}).code == 64);
  CHECK(run({"analyze", "-f", canary.path.string(), "--max-response-size", "8Q"}).code == 64);
  CHECK(run({"analyze", "-f", canary.path.string(), "--allowed-url-hosts", "http://x/"}).code ==
        64);
}

TEST_CASE("analyze --max-response-size bounds a metric answer") {
  HttpServer server([](const HttpRequest&) {
    return HttpResponse{200, {}, std::string(300 * 1024, ' '), false};
  });
  CanaryFile canary;
  auto r = run({"analyze", "-f", canary.path.string(), "--prometheus", server.url(),
                "--max-response-size", "128Ki"});
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "larger than the limit of 128 KiB (--max-response-size)"));
}

TEST_CASE(
    "notify refuses other schemes and link-local hosts before sending, never naming the URL") {
  for (const std::string address :
       {"file:///etc/passwd", "gopher://127.0.0.1:70/_x", "dict://127.0.0.1:2628/d",
        "ldap://127.0.0.1/", "ftp://127.0.0.1/"}) {
    CAPTURE(address);
    auto r = run({"notify", "--type", "webhook", "--address", address});
    CHECK(r.code == 64);
    CHECK(contains(r.err, "--address: only http and https URLs are allowed"));
  }
  auto r = run({"notify", "--type", "slack", "--address",
                "http://169.254.169.254/services/T0/B0/secret-path-xyz"});
  CHECK(r.code == 64);
  CHECK(contains(r.err, "is link-local"));
  CHECK_FALSE(contains(r.err, "secret-path-xyz"));
}

TEST_CASE("notify reads at most 64 KiB of a reply and escapes what it prints of it") {
  HttpServer big([](const HttpRequest&) {
    return HttpResponse{500, {}, std::string(1 << 20, 'z'), false};
  });
  auto r = run({"notify", "--type", "webhook", "--address", big.url() + "/hooks/secret-path-xyz"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "larger than the limit of 64 KiB"));
  CHECK_FALSE(contains(r.err, "secret-path-xyz"));

  HttpServer forging([](const HttpRequest&) {
    return HttpResponse{400, {}, "no\ncanary.yaml:1: forged\x1b[2J\r", false};
  });
  r = run({"notify", "--type", "webhook", "--address", forging.url() + "/hooks/secret-path-xyz"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "HTTP 400: no\\ncanary.yaml:1: forged\\x1b[2J\\r"));
  check_no_controls(r.err);
}

TEST_CASE("operator: the policy flags are checked at start, and its URLs against them") {
  auto r = run({"operator", "--allowed-url-hosts", "https://prometheus:9090"});
  CHECK(r.code == 64);
  CHECK(contains(r.err, "--allowed-url-hosts: \"https://prometheus:9090\" is not a host name"));
  r = run({"operator", "--metrics-server", "http://169.254.169.254:9090"});
  CHECK(r.code == 64);
  CHECK(contains(r.err,
                 "--metrics-server http://169.254.169.254:9090: the host 169.254.169.254 "
                 "is link-local"));
  r = run({"operator", "--event-webhook", "file:///etc/passwd"});
  CHECK(r.code == 64);
  CHECK(contains(r.err, "--event-webhook file:///etc/passwd: only http and https"));
  r = run({"operator", "--max-outbound-calls", "0"});
  CHECK(r.code == 64);
  CHECK(contains(r.err, "--max-outbound-calls \"0\" is not a whole number >= 1"));
  veer::http::set_outbound_policy({});  // the next tests in this process: defaults
}
