#include "e2e/controller/tests/support/skip_or_fail.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/http_server.hpp"

namespace veer::e2e {
namespace {

// A port nothing listens on: one a loopback server had, after it closed.
int closed_port() {
  veer::testing::HttpServer server(
      [](const veer::testing::HttpRequest&) { return veer::testing::HttpResponse{}; });
  return server.port();
}

}  // namespace

CommandResult run_without_kubeconfig(const std::string& binary, const std::string& test_case) {
  return run_command({"/usr/bin/env", "-u", "VEER_TEST_KUBECONFIG", binary, "-tc=" + test_case});
}

CommandResult run_with_silent_server(const std::string& binary, const std::string& test_case) {
  const auto kubeconfig = std::filesystem::temp_directory_path() /
                          ("veer-unreachable-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n"
                            << "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:"
                            << closed_port() << "'}}]\n"
                            << "users: [{name: u, user: {token: t}}]\n"
                            << "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                            << "current-context: x\n";
  auto run = run_command(
      {"/usr/bin/env", "VEER_TEST_KUBECONFIG=" + kubeconfig.string(), binary, "-tc=" + test_case});
  std::filesystem::remove(kubeconfig);
  return run;
}

}  // namespace veer::e2e
