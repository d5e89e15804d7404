// The traffic e2e never passes without running: with VEER_TEST_KUBECONFIG unset each case
// reports skipped (exit 77), and set to a server that does not answer it fails.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "e2e/controller/tests/support/process.hpp"
#include "e2e/traffic/tests/support/loopback.hpp"
#include "testing/skip.hpp"

namespace veer::e2e::traffic {
namespace {

const std::string kE2e = VEER_BINARY_DIR "/e2e/traffic/e2e_traffic_e2e";
const std::string kCase = "-tc=*good canary*";

}  // namespace

TEST_CASE("the traffic e2e without VEER_TEST_KUBECONFIG reports skipped") {
  REQUIRE(std::filesystem::exists(kE2e));
  auto run = run_command({"/usr/bin/env", "-u", "VEER_TEST_KUBECONFIG", kE2e, kCase});
  CAPTURE(run.out);
  CHECK(run.status == veer::testing::kSkipExitCode);
}

TEST_CASE("the traffic e2e with VEER_TEST_KUBECONFIG naming a silent server fails") {
  REQUIRE(std::filesystem::exists(kE2e));
  const auto kubeconfig = std::filesystem::temp_directory_path() /
                          ("veer-traffic-unreachable-" + std::to_string(getpid()) + ".yaml");
  // A port nothing listens on: free_port() closes the socket it took.
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n"
                            << "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:"
                            << free_port() << "'}}]\nusers: [{name: u, user: {token: t}}]\n"
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

}  // namespace veer::e2e::traffic
