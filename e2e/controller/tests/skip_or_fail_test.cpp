// The e2e tests never pass without running: with VEER_TEST_KUBECONFIG unset a case reports
// skipped (exit 77, CTest's SKIP_RETURN_CODE); set to a server that does not answer, it fails.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "e2e/controller/tests/support/process.hpp"
#include "testing/http_server.hpp"
#include "testing/skip.hpp"

namespace veer::e2e {
namespace {

const std::string kE2e = VEER_BINARY_DIR "/e2e/controller/e2e_controller_e2e";
const std::string kCase = "-tc=kubernetes (blue/green*";

// A port nothing listens on: one a loopback server had, after it closed.
int closed_port() {
  veer::testing::HttpServer server(
      [](const veer::testing::HttpRequest&) { return veer::testing::HttpResponse{}; });
  return server.port();
}

}  // namespace

TEST_CASE("an e2e case without VEER_TEST_KUBECONFIG reports skipped, not passed") {
  REQUIRE(std::filesystem::exists(kE2e));
  auto run = run_command({"/usr/bin/env", "-u", "VEER_TEST_KUBECONFIG", kE2e, kCase});
  CAPTURE(run.out);
  CHECK(run.status == veer::testing::kSkipExitCode);
  CHECK(run.out.find("SKIPPED: VEER_TEST_KUBECONFIG is not set") != std::string::npos);
}

TEST_CASE("an e2e case with VEER_TEST_KUBECONFIG set but no server answering fails") {
  REQUIRE(std::filesystem::exists(kE2e));
  const auto kubeconfig = std::filesystem::temp_directory_path() /
                          ("veer-unreachable-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n"
                            << "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:"
                            << closed_port() << "'}}]\n"
                            << "users: [{name: u, user: {token: t}}]\n"
                            << "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                            << "current-context: x\n";
  auto run =
      run_command({"/usr/bin/env", "VEER_TEST_KUBECONFIG=" + kubeconfig.string(), kE2e, kCase});
  std::filesystem::remove(kubeconfig);
  CAPTURE(run.out);
  CHECK(run.status != 0);
  CHECK(run.status != veer::testing::kSkipExitCode);
  CHECK(run.out.find("the API server does not answer") != std::string::npos);
}

}  // namespace veer::e2e
