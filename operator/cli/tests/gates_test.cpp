#include <doctest/doctest.h>

#include <sstream>

#include "operator/cli/command.hpp"

namespace {

int run_gates(const std::vector<std::string>& args, std::string& err) {
  std::istringstream in;
  std::ostringstream out, error;
  int code = veer::cli::run_veer(args, in, out, error);
  err = error.str();
  return code;
}

}  // namespace

TEST_CASE("gate commands want exactly one Canary name and say where the kubeconfig failed") {
  std::string err;
  for (const char* gate : {"promote", "abort", "retry", "pause", "resume"}) {
    CAPTURE(gate);
    CHECK(run_gates({gate}, err) == 64);
    CHECK(err.find("wants one Canary NAME") != std::string::npos);
    CHECK(run_gates({gate, "podinfo", "--kubeconfig", "/nonexistent/kubeconfig"}, err) == 1);
    CHECK(err.find("/nonexistent/kubeconfig") != std::string::npos);
  }
  CHECK(run_gates({"status", "a", "b"}, err) == 64);
  CHECK(run_gates({"status", "--kubeconfig", "/nonexistent/kubeconfig"}, err) == 1);
  CHECK(err.find("veer status: ") == 0);
}
