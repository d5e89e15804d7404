// The traffic e2e never passes without running: with VEER_TEST_KUBECONFIG unset each case
// reports skipped (exit 77), and set to a server that does not answer it fails. Checked for a
// rollout case and the A/B/n Experiment case.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/skip_or_fail.hpp"
#include "testing/skip.hpp"

namespace veer::e2e::traffic {
namespace {

const std::string kE2e = VEER_BINARY_DIR "/e2e/traffic/e2e_traffic_e2e";
const std::vector<std::string> kCases = {"*good canary*", "*A/B/n Experiment*"};

}  // namespace

TEST_CASE("the traffic e2e without VEER_TEST_KUBECONFIG reports skipped") {
  REQUIRE(std::filesystem::exists(kE2e));
  for (const auto& name : kCases) {
    CAPTURE(name);
    auto run = run_without_kubeconfig(kE2e, name);
    CAPTURE(run.out);
    CHECK(run.status == veer::testing::kSkipExitCode);
  }
}

TEST_CASE("the traffic e2e with VEER_TEST_KUBECONFIG naming a silent server fails") {
  REQUIRE(std::filesystem::exists(kE2e));
  for (const auto& name : kCases) {
    CAPTURE(name);
    auto run = run_with_silent_server(kE2e, name);
    CAPTURE(run.out);
    CHECK(run.status != 0);
    CHECK(run.status != veer::testing::kSkipExitCode);
    CHECK(run.out.find("the API server does not answer") != std::string::npos);
  }
}

}  // namespace veer::e2e::traffic
