// On a real kube-apiserver (VEER_TEST_KUBECONFIG, brought up by scripts/test): the router CRDs
// in meshes/crds/ install, every golden object applies with server-side validation, and
// rendering again from what the server returns makes no write (no churn from server defaults).
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>

#include "meshes/router.hpp"
#include "meshes/services.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

constexpr const char* kNamespace = "veer-meshes-conformance";

struct Run {
  int status;
  std::string out;
};

// Runs kubectl with the test kubeconfig; stderr is folded into `out` unless `stdout_only`.
Run kubectl(const std::string& kubeconfig, const std::string& args, bool stdout_only = false) {
  std::string command = "/usr/bin/kubectl --kubeconfig '" + kubeconfig + "' " + args +
                        (stdout_only ? " 2>/dev/null" : " 2>&1");
  Run run{-1, {}};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    run.out.append(buffer.data(), n);
  int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string write_temp(const std::string& name, const json& content) {
  auto path = std::filesystem::temp_directory_path() / ("veer-meshes-" + name + ".json");
  std::ofstream(path) << content.dump(2);
  return path.string();
}

json in_namespace(json list) {
  for (auto& item : list["items"]) item["metadata"]["namespace"] = kNamespace;
  return list;
}

TEST_CASE("router CRDs install and every golden object is accepted by the API server") {
  const char* kubeconfig_env = std::getenv("VEER_TEST_KUBECONFIG");
  if (kubeconfig_env == nullptr || *kubeconfig_env == '\0') {
    MESSAGE("VEER_TEST_KUBECONFIG is not set: skipped (scripts/test brings a server up)");
    return;
  }
  const std::string kubeconfig = kubeconfig_env;
  const std::string crds = std::string(VEER_SOURCE_DIR) + "/meshes/crds";
  auto installed = kubectl(kubeconfig, "apply -f '" + crds + "'");
  REQUIRE_MESSAGE(installed.status == 0, installed.out);
  auto established =
      kubectl(kubeconfig, "wait --for condition=established --timeout=60s -f '" + crds + "'");
  REQUIRE_MESSAGE(established.status == 0, established.out);
  auto ns =
      kubectl(kubeconfig, "apply -f '" +
                              write_temp("namespace", {{"apiVersion", "v1"},
                                                       {"kind", "Namespace"},
                                                       {"metadata", {{"name", kNamespace}}}}) +
                              "'");
  REQUIRE_MESSAGE(ns.status == 0, ns.out);

  for (const auto& s : testing::golden_scenarios()) {
    CAPTURE(s.golden_path());
    std::ifstream in(s.golden_path());
    REQUIRE(in.good());
    json golden = in_namespace(json::parse(in));
    const std::string file = write_temp("golden", golden);
    auto applied = kubectl(kubeconfig, "apply --validate=strict -f '" + file + "'");
    CHECK_MESSAGE(applied.status == 0, applied.out);
    if (applied.status != 0) continue;

    // What the server stored, fed back as observed objects, must need no write.
    auto got = kubectl(kubeconfig, "get -o json -f '" + file + "'", /*stdout_only=*/true);
    REQUIRE_MESSAGE(got.status == 0, got.out);
    json served = json::parse(got.out, nullptr, false);
    REQUIRE(!served.is_discarded());
    Observed observed = s.observed;
    for (auto& item : served["items"]) {
      item["metadata"]["namespace"] = "test";  // back in the scenario's namespace
      observed.objects.push_back(item);
    }
    auto router = make_router(s.provider).value();
    auto services = apply_services(s.canary, observed);
    auto writes = router->apply(s.canary, s.routes, observed);
    REQUIRE(services.ok());
    REQUIRE(writes.ok());
    for (const auto* list : {&services.value(), &writes.value()}) {
      for (const auto& w : *list) {
        CHECK_MESSAGE(w.action == Write::Action::unchanged,
                      "server defaults make veer rewrite " << object_name(w.object));
      }
    }
  }
}

}  // namespace
}  // namespace veer::meshes
