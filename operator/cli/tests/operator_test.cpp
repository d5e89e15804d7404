// `veer operator` start-up: bad flags are usage errors (64); a kubeconfig that cannot be read,
// an API server that cannot be reached and a missing Canary CRD fail at once (1), naming the
// file, the URL or the CRD. The running operator is tested through operator/runtime.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "operator/cli/operator_flags.hpp"
#include "operator/cli/tests/support/run_cli.hpp"
#include "testing/http_server.hpp"

using veer::cli::testing::run;
using veer::testing::HttpRequest;
using veer::testing::HttpResponse;
using veer::testing::HttpServer;

namespace {

// A kubeconfig pointing at `server`, in a fresh temporary file.
std::string kubeconfig_for(const std::string& server) {
  static int counter = 0;
  auto path =
      std::filesystem::temp_directory_path() / ("veer-operator-test-" + std::to_string(getpid()) +
                                                "-" + std::to_string(counter++) + ".yaml");
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                      << "clusters:\n- name: test\n  cluster:\n    server: " << server << "\n"
                      << "contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n"
                      << "users:\n- name: test\n  user:\n    token: abc\n";
  return path.string();
}

}  // namespace

TEST_CASE("veer operator: bad flags are usage errors naming the flag") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"operator", "--kubeconfg", "x"}, "--kubeconfg"},
      {{"operator", "--listen", "8080"}, "--listen \"8080\""},
      {{"operator", "--listen", ":99999"}, "0 to 65535"},
      {{"operator", "--workers", "0"}, "--workers \"0\""},
      {{"operator", "--max-concurrent-rollouts", "many"}, "--max-concurrent-rollouts"},
      {{"operator", "--log-level", "loud"}, "log-level"},
      {{"operator", "--log-format", "xml"}, "log-format"},
      {{"operator", "--mesh-provider", "nope"}, "--mesh-provider \"nope\""},
      {{"operator", "--metrics-server", "prometheus"}, "--metrics-server"},
      {{"operator", "--ingress-annotations-prefix", "Not/A_Prefix"},
       "--ingress-annotations-prefix \"Not/A_Prefix\""},
      {{"operator", "--kube-api-qps", "0"}, "--kube-api-qps \"0\""},
      {{"operator", "--kube-api-qps", "-5"}, "--kube-api-qps \"-5\""},
      {{"operator", "--kube-api-qps", "fast"}, "--kube-api-qps \"fast\""},
      {{"operator", "--kube-api-qps", "inf"}, "--kube-api-qps \"inf\""},
      {{"operator", "--kube-api-burst", "0"}, "--kube-api-burst \"0\""},
      {{"operator", "--kube-api-burst", "2.5"}, "--kube-api-burst \"2.5\""},
      {{"operator", "--kube-api-qps", "Auto"},
       "--kube-api-qps \"Auto\" is not a number > 0 or auto"},
      {{"operator", "--kube-api-burst", "many"},
       "--kube-api-burst \"many\" is not a whole number >= 1 or auto"},
      {{"operator", "extra"}, "takes no arguments"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    auto r = run(c.args);
    CHECK(r.code == 64);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  auto help = run({"operator", "--help"});
  CHECK(help.code == 0);
  for (const char* flag : {"--kubeconfig",
                           "--context",
                           "--namespace",
                           "--mesh-provider",
                           "--metrics-server",
                           "--slack-url",
                           "--slack-channel",
                           "--slack-user",
                           "--event-webhook",
                           "--leader-elect",
                           "--leader-election-namespace",
                           "--listen",
                           "--log-level",
                           "--log-format",
                           "--max-concurrent-rollouts",
                           "--max-rollouts-per-namespace",
                           "--workers",
                           "--ingress-annotations-prefix",
                           "--kube-api-qps",
                           "--kube-api-burst"}) {
    CAPTURE(flag);
    CHECK(help.out.find(flag) != std::string::npos);
  }
}

TEST_CASE("veer operator: a missing kubeconfig fails at once, naming the file") {
  auto r = run({"operator", "--kubeconfig", "/nonexistent/veer/kubeconfig"});
  CHECK(r.code == 1);
  CHECK(r.err.find("/nonexistent/veer/kubeconfig") != std::string::npos);
}

TEST_CASE("veer operator: an unreachable API server fails at once, naming the URL") {
  std::string url;
  {
    HttpServer closed([](const HttpRequest&) { return HttpResponse{}; });
    url = closed.url();
  }  // nothing listens there any more
  auto path = kubeconfig_for(url);
  auto r = run({"operator", "--kubeconfig", path, "--listen", "127.0.0.1:0"});
  std::filesystem::remove(path);
  CHECK(r.code == 1);
  CHECK(r.err.find(url) != std::string::npos);
}

TEST_CASE("veer operator: a missing Canary CRD fails at once, naming the CRD") {
  HttpServer api([](const HttpRequest& r) {
    if (r.path == "/version")
      return HttpResponse{200,
                          {{"Content-Type", "application/json"}},
                          R"({"major":"1","minor":"20","gitVersion":"v1.20.2"})"};
    return HttpResponse{
        404,
        {{"Content-Type", "application/json"}},
        R"({"kind":"Status","apiVersion":"v1","status":"Failure","code":404,)"
        R"("reason":"NotFound","message":"the server could not find the requested resource"})"};
  });
  auto path = kubeconfig_for(api.url());
  auto r = run({"operator", "--kubeconfig", path, "--listen", "127.0.0.1:0"});
  std::filesystem::remove(path);
  CHECK(r.code == 1);
  CHECK(r.err.find("canaries.veer.dev") != std::string::npos);
}

// The flags reach the client's rate limiter: at 4 requests a second with no burst, the requests
// start-up makes before it gives up (version, discovery) are spaced by 250 ms. The check asks for
// 150 ms a gap: a loaded machine can delay the first arrival more than the last, and the default
// rate (100 a second, 10 ms) would still be far below it.
TEST_CASE("veer operator: --kube-api-qps and --kube-api-burst limit the requests to the API") {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> times;
  HttpServer api([&](const HttpRequest& r) {
    {
      std::lock_guard lock(mutex);
      times.push_back(std::chrono::steady_clock::now());
    }
    if (r.path == "/version")
      return HttpResponse{200,
                          {{"Content-Type", "application/json"}},
                          R"({"major":"1","minor":"20","gitVersion":"v1.20.2"})"};
    return HttpResponse{404,
                        {{"Content-Type", "application/json"}},
                        R"({"kind":"Status","apiVersion":"v1","status":"Failure","code":404,)"
                        R"("reason":"NotFound","message":"not found"})"};
  });
  auto path = kubeconfig_for(api.url());
  auto r = run({"operator", "--kubeconfig", path, "--listen", "127.0.0.1:0", "--kube-api-qps", "4",
                "--kube-api-burst", "1"});
  std::filesystem::remove(path);
  CHECK(r.code == 1);
  std::lock_guard lock(mutex);
  REQUIRE(times.size() >= 2);
  const auto spread = times.back() - times.front();
  CHECK(spread >= std::chrono::milliseconds(150) * static_cast<int>(times.size() - 1));
}

TEST_CASE("--kube-api-qps and --kube-api-burst are auto unless given, numbers are kept") {
  veer::cli::OperatorFlags flags;
  std::string error;
  auto options = veer::cli::check(flags, error);
  REQUIRE_MESSAGE(options, error);
  CHECK_FALSE(options->qps);  // the fleet's need (runtime/fleet_rate.hpp)
  CHECK_FALSE(options->burst);
  flags.qps = "2.5";
  flags.burst = "auto";
  options = veer::cli::check(flags, error);
  REQUIRE_MESSAGE(options, error);
  CHECK(options->qps == 2.5);
  CHECK_FALSE(options->burst);
  flags.qps = "auto";
  flags.burst = "40";
  options = veer::cli::check(flags, error);
  REQUIRE_MESSAGE(options, error);
  CHECK_FALSE(options->qps);
  CHECK(options->burst == 40);
}
