// The e2e tests never pass without running: with VEER_TEST_KUBECONFIG unset a case reports
// skipped (exit 77, CTest's SKIP_RETURN_CODE); set to a server that does not answer, it fails.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/skip_or_fail.hpp"
#include "testing/skip.hpp"

namespace veer::e2e {
namespace {

const std::string kE2e = VEER_BINARY_DIR "/e2e/controller/e2e_controller_e2e";
// A Deployment case, and the Knative case (which also needs the upstream CRDs: their check comes
// after the server's).
const std::vector<std::string> kCases = {"kubernetes (blue/green*", "knative (Service traffic*"};

}  // namespace

TEST_CASE("an e2e case without VEER_TEST_KUBECONFIG reports skipped, not passed") {
  REQUIRE(std::filesystem::exists(kE2e));
  for (const auto& test_case : kCases) {
    CAPTURE(test_case);
    auto run = run_without_kubeconfig(kE2e, test_case);
    CAPTURE(run.out);
    CHECK(run.status == veer::testing::kSkipExitCode);
    CHECK(run.out.find("SKIPPED: VEER_TEST_KUBECONFIG is not set") != std::string::npos);
  }
}

TEST_CASE("an e2e case with VEER_TEST_KUBECONFIG set but no server answering fails") {
  REQUIRE(std::filesystem::exists(kE2e));
  for (const auto& test_case : kCases) {
    CAPTURE(test_case);
    auto run = run_with_silent_server(kE2e, test_case);
    CAPTURE(run.out);
    CHECK(run.status != 0);
    CHECK(run.status != veer::testing::kSkipExitCode);
    CHECK(run.out.find("the API server does not answer") != std::string::npos);
  }
}

}  // namespace veer::e2e
