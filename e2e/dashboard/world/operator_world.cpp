// For browser_test.py --mode operator: `veer operator` as its own process (the built binary)
// serving the dashboard (--dashboard-listen 127.0.0.1:0 --dashboard-tokenreview
// --dashboard-actions) on the real kube-apiserver of VEER_TEST_KUBECONFIG, as a ServiceAccount
// bound to the chart's ClusterRole rendered with dashboard.enabled and dashboard.actions. An
// istio Canary is promoted (podinfo 2.0.0) then rolled back (3.0.0-bad) under the kubelet and
// Prometheus stand-ins of e2e/controller, so the charts have series and both decisions.
// Two callers get real ServiceAccount tokens: `viewer` (may list and patch canaries in the
// rollout's namespace) and `outsider` (the same in another namespace only).
// A doctest program, because the stand-ins are test support. Prints, one per line:
//   namespace NS / other OTHER / token viewer T / token outsider T /
//   dashboard listening on http://ADDR/ / rollouts finished: PHASES
// then serves until its standard input closes, and fails if the operator's log reports a refused
// API call (the chart's dashboard RBAC must be enough). VEER_TEST_KUBECONFIG unset: the case is
// skipped; set but unreachable: it fails.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/controller/tests/support/builtin_metrics.hpp"
#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "e2e/controller/tests/support/fake_prometheus.hpp"
#include "e2e/controller/tests/support/kubelet.hpp"
#include "e2e/controller/tests/support/operator_process.hpp"
#include "e2e/controller/tests/support/process.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "operator/controller/simulation.hpp"

using namespace veer;
using namespace veer::e2e;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

#ifndef VEER_SOURCE_DIR
#define VEER_SOURCE_DIR "."
#endif
const std::string kWorldSource = VEER_SOURCE_DIR;
constexpr const char* kTarget = "podinfo";

std::string final_line(std::string out) {
  out.erase(out.find_last_not_of("\n ") + 1);
  return out.substr(out.find_last_of('\n') + 1);
}

json world_canary(const std::string& ns) {
  json analysis = {{"interval", "5s"},
                   {"threshold", 1},
                   {"maxWeight", 30},
                   {"stepWeight", 10},
                   {"metrics", builtin_metrics()}};
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", kTarget}, {"namespace", ns}}},
          {"spec",
           {{"provider", "istio"},
            {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", kTarget}}},
            {"progressDeadlineSeconds", 60},
            {"service", {{"port", 9898}, {"targetPort", 9898}}},
            {"analysis", analysis}}}};
}

// The chart's ClusterRole as `helm template` renders it with the dashboard on, renamed; the
// file's path, or "" with the reason in `why`.
std::string chart_dashboard_role(const std::string& dir, std::string& why) {
  auto helm = run_command({kWorldSource + "/charts/get-helm"});
  if (helm.status != 0) {
    why = "no helm (charts/get-helm; scripts/setup e2e caches it): " + helm.out;
    return "";
  }
  auto rendered =
      run_command({final_line(helm.out), "template", "veer", kWorldSource + "/charts/veer",
                   "--namespace", "veer-system", "--set", "dashboard.enabled=true", "--set",
                   "dashboard.actions=true", "--show-only", "templates/rbac.yaml"});
  if (rendered.status != 0) {
    why = "helm template: " + rendered.out;
    return "";
  }
  std::string role;
  std::size_t at = 0;
  while (at < rendered.out.size()) {
    auto end = rendered.out.find("\n---", at);
    if (end == std::string::npos) end = rendered.out.size();
    auto document = rendered.out.substr(at, end - at);
    if (document.find("\nkind: ClusterRole\n") != std::string::npos) {
      role = document;
      break;
    }
    at = end + 4;
  }
  if (role.empty() || role.find("tokenreviews") == std::string::npos) {
    why = "the chart rendered no ClusterRole with tokenreviews:\n" + rendered.out;
    return "";
  }
  role = std::regex_replace(role, std::regex("\n  name: veer\n"), "\n  name: veer-dashboard-e2e\n");
  const auto path = dir + "/veer-dashboard-e2e-role.yaml";
  std::ofstream(path) << role;
  return path;
}

}  // namespace

TEST_CASE("veer operator's dashboard on a real API server, served until standard input closes") {
  auto cluster = E2eCluster::from_environment();  // unset: skipped; unreachable: fails
  if (!cluster) return;
  REQUIRE(cluster->install_crds().empty());
  auto& api = cluster->api();
  const auto ns = unique_name("veer-dash-op"), other = unique_name("veer-dash-other");
  REQUIRE(cluster->create_namespace(ns).empty());
  REQUIRE(cluster->create_namespace(other).empty());

  // The callers: real ServiceAccount tokens, each allowed in its own namespace only.
  std::vector<std::string> tokens;
  for (const auto& [account, where] : {std::pair{"viewer", ns}, std::pair{"outsider", other}}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"create", "serviceaccount", account, "-n", where},
             {"create", "role", "rollouts", "--verb=get,list,patch",
              "--resource=canaries.veer.dev,experiments.veer.dev", "-n", where},
             {"create", "rolebinding", account, "--role=rollouts",
              "--serviceaccount=" + where + ":" + account, "-n", where}}) {
      auto done = cluster->kubectl(args);
      REQUIRE_MESSAGE(done.status == 0, done.out);
    }
    auto token = cluster->kubectl({"create", "token", account, "-n", where, "--duration=1h"});
    REQUIRE_MESSAGE(token.status == 0, token.out);
    tokens.push_back(final_line(token.out));
  }

  REQUIRE(api.create(
      controller::simulation::deployment(ns, kTarget, "ghcr.io/veer-e2e/podinfo:1.0.0")));
  REQUIRE(api.create(world_canary(ns)));
  auto image = [&] {
    auto t = api.get({kDeployments, ns, kTarget});
    return t ? controller::simulation::image_of(*t) : std::string();
  };
  KubeletStandIn kubelet(api, ns);
  FakePrometheus prometheus(builtin_series("istio"),
                            [&] { return image().find("bad") != std::string::npos; });

  std::string why;
  const auto role = chart_dashboard_role(cluster->state_dir(), why);
  REQUIRE_MESSAGE(!role.empty(), why);
  auto account = run_command({kWorldSource + "/e2e/cluster/sa-kubeconfig", cluster->state_dir(),
                              "veer-dashboard-e2e", role});
  REQUIRE_MESSAGE(account.status == 0, account.out);
  const auto log = std::filesystem::temp_directory_path() / (ns + "-operator.log");
  std::filesystem::remove(log);
  OperatorProcess veer(
      {final_line(account.out),
       ns,
       "istio",
       prometheus.url(),
       log.string(),
       {"--dashboard-listen", "127.0.0.1:0", "--dashboard-tokenreview", "--dashboard-actions"}});
  const auto started = veer.start();
  REQUIRE_MESSAGE(started.empty(), started);
  std::smatch address;
  const auto text = veer.log();
  REQUIRE_MESSAGE(
      std::regex_search(text, address, std::regex(R"(dashboard listening on ([0-9.]+:[0-9]+))")),
      veer.log_tail());
  std::cout << "namespace " << ns << "\nother " << other << "\ntoken viewer " << tokens[0]
            << "\ntoken outsider " << tokens[1] << "\ndashboard listening on http://"
            << address[1].str() << "/" << std::endl;

  auto phase = [&] {
    auto c = api.get({kCanaries, ns, kTarget});
    return c ? c->value("status", json::object()).value("phase", "") : std::string();
  };
  auto wait_for = [&](const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline && veer.running()) {
      if (done()) return true;
      std::this_thread::sleep_for(200ms);  // polling the Canary's status
    }
    return false;
  };
  REQUIRE_MESSAGE(wait_for([&] { return phase() == "Initialized"; }, 90s),
                  "not Initialized: " << phase() << "\n"
                                      << veer.log_tail());
  std::string phases;
  for (const auto& [tag, end] :
       {std::pair{"2.0.0", "Succeeded"}, std::pair{"3.0.0-bad", "Failed"}}) {
    json patch = json::array({{{"op", "replace"},
                               {"path", "/spec/template/spec/containers/0/image"},
                               {"value", std::string("ghcr.io/veer-e2e/podinfo:") + tag}}});
    REQUIRE(api.patch({kDeployments, ns, kTarget}, kube::PatchType::JsonPatch, patch));
    bool progressing = false;
    const bool ended = wait_for(
        [&] {
          const auto now = phase();
          progressing = progressing || now == "Progressing";
          return progressing && (now == "Succeeded" || now == "Failed");
        },
        240s);
    REQUIRE_MESSAGE(ended, tag << " did not end: " << phase() << "\n" << veer.log_tail());
    REQUIRE_MESSAGE(phase() == end, tag << " ended " << phase());
    phases += (phases.empty() ? "" : " then ") + phase();
  }
  std::cout << "rollouts finished: " << phases << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
  }
  std::vector<std::string> refused;
  std::istringstream lines(veer.log());
  for (std::string l; std::getline(lines, l);)
    if (l.find("forbidden") != std::string::npos || l.find("Forbidden") != std::string::npos)
      refused.push_back(l);
  CHECK_MESSAGE(refused.empty(), "the chart's dashboard RBAC lacks a permission: "
                                     << (refused.empty() ? "" : refused.front()));
  CHECK(veer.terminate() == "exited with 0");
  cluster->delete_namespace(ns);
  cluster->delete_namespace(other);
}
