// The install on a real kube-apiserver (e2e/cluster): charts/veer/manifests.yaml applies and the
// API server accepts every documented value combination; `helm install`, `helm upgrade` and
// `helm uninstall` of the chart create, change and remove its objects (no container runtime: the
// API objects are asserted, not running pods); a whole rollout runs as the chart's
// ServiceAccount with the chart's RBAC and is never refused; and each permission the role grants
// is needed: without it, the same run is refused a call naming exactly that permission, and the
// operator's log says so (the run stops on that line).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>

#include "e2e/chart/tests/support/chart_run.hpp"
#include "e2e/controller/tests/support/e2e_cluster.hpp"

namespace veer::e2e {
namespace {

using nlohmann::json;

// The build defines it; clang-tidy (testing/check_style) may check this file with the flags of
// a neighbour that does not.
#ifndef VEER_SOURCE_DIR
#define VEER_SOURCE_DIR "."
#endif
const std::string kSource = VEER_SOURCE_DIR;
const std::string kManifests = kSource + "/charts/veer/manifests.yaml";
#ifndef VEER_BINARY_DIR
#define VEER_BINARY_DIR "."
#endif

// Permissions of the probed rules that the run cannot show to be needed, and why; they are not
// probed (each probe of one would be a whole run for nothing). Every other one must be.
struct Unreached {
  std::vector<std::string> resources;  // "group/resource" ("resource" for the core group)
  std::vector<std::string> verbs;
  const char* why;
};
const std::vector<Unreached> kUnreached = {
    {{"veer.dev/canaries", "veer.dev/metrictemplates", "veer.dev/alertproviders",
      "apps/deployments", "apps/daemonsets", "services", "autoscaling/horizontalpodautoscalers"},
     {"get"},
     "the informers started with the operator answer every read: with the type's list refused too "
     "(named in the log) the operator waits for that first list and reads nothing, so no run "
     "reaches the GET (measured: Initialized never comes); GET is only the fallback of a lazily "
     "started informer that has not listed within 10 s"},
    {{"veer.dev/experiments", "gateway.networking.k8s.io/httproutes",
      "split.smi-spec.io/trafficsplits", "networking.k8s.io/ingresses"},
     {"get"},
     "the informers' caches answer every read; GET is the fallback when a type cannot be listed "
     "or a lazily started informer has not listed within 10 s (these runs' types are not probed "
     "so)"},
    {{"gateway.networking.k8s.io/httproutes", "split.smi-spec.io/trafficsplits",
      "networking.k8s.io/ingresses"},
     {"list", "watch"},
     "router objects are read with GET when their type cannot be listed (docs/operator.md)"},
    {{"apps/daemonsets"},
     {"create", "update", "patch"},
     "DaemonSet targets only (the run's target is a Deployment; the same code handles both)"},
    {{"services", "networking.istio.io/virtualservices", "networking.istio.io/destinationrules",
      "gateway.networking.k8s.io/httproutes", "split.smi-spec.io/trafficsplits"},
     {"delete"},
     "when a router's plan drops an object (a Canary changing provider or strategy)"},
};

// The Experiment controller's permissions (list and update experiments, update
// experiments/status) are probed by their own, shorter run.
bool experiments_permission(const Permission& p) {
  return p.group == "veer.dev" && p.resource.rfind("experiments", 0) == 0;
}

const Unreached* unreached(const Permission& p) {
  const auto resource = p.group.empty() ? p.resource : p.group + "/" + p.resource;
  for (const auto& u : kUnreached)
    if (std::find(u.resources.begin(), u.resources.end(), resource) != u.resources.end() &&
        std::find(u.verbs.begin(), u.verbs.end(), p.verb) != u.verbs.end())
      return &u;
  return nullptr;
}

// The permission removed with `p` so that the run can need it: `get` of a type the operator lists
// is its fallback when the list is refused, so `get` is probed with `list` removed too (the refusal
// awaited is still the GET's).
std::optional<Permission> removed_with(const Permission& p, const json& rules) {
  if (p.verb != "get") return std::nullopt;
  Permission list = p;
  list.verb = "list";
  const auto all = permissions_of(rules);
  if (std::find(all.begin(), all.end(), list) == all.end()) return std::nullopt;
  return list;
}

// A command's last line of output: the value asked for (warnings come before it).
std::string last_line(std::string out) {
  out.erase(out.find_last_not_of("\n ") + 1);
  return out.substr(out.find_last_of('\n') + 1);
}

// nullptr (the case is marked skipped) without VEER_TEST_KUBECONFIG; fails when it is set but
// the server cannot be reached.
std::unique_ptr<E2eCluster> cluster_or_skip() {
  return E2eCluster::from_environment();
}

// Applies the plain manifests (idempotent) and waits for the CRDs, with the routers' CRDs the
// runs need (meshes/crds); "" or the error.
std::string apply_manifests(E2eCluster& cluster) {
  if (auto routers = cluster.install_crds(); !routers.empty()) return routers;
  auto applied = cluster.kubectl({"apply", "-f", kManifests});
  for (int attempt = 1; applied.status != 0 && attempt < 5; ++attempt)
    applied = cluster.kubectl({"apply", "-f", kManifests});
  if (applied.status != 0) return "kubectl apply -f " + kManifests + ": " + applied.out;
  auto established = cluster.wait_established(kSource + "/crds");
  return established.status == 0 ? "" : "CRDs not established: " + established.out;
}

// A kubeconfig for the chart's ServiceAccount veer-system/veer; "" with the reason in `why`.
std::string chart_kubeconfig(E2eCluster& cluster, std::string& why) {
  auto token = cluster.kubectl({"create", "token", "veer", "-n", "veer-system", "--duration=2h"});
  if (token.status != 0) {
    why = "kubectl create token veer -n veer-system: " + token.out;
    return "";
  }
  const auto value = last_line(token.out);
  std::ifstream in(cluster.admin_kubeconfig());
  std::stringstream admin;
  admin << in.rdbuf();
  const auto text = std::regex_replace(admin.str(), std::regex("(\n    token: ).*"), "$1" + value);
  const auto path = cluster.state_dir() + "/veer-chart.kubeconfig";
  std::ofstream(path) << text;
  return path;
}

json rules_of(E2eCluster& cluster, const std::vector<std::string>& what) {
  std::vector<std::string> args = {"get"};
  args.insert(args.end(), what.begin(), what.end());
  args.insert(args.end(), {"-o", "json"});
  auto got = cluster.kubectl(args);
  if (got.status != 0) return json::array();
  return json::parse(got.out.substr(got.out.find('{')))["rules"];
}

std::string helm() {
  auto found = run_command({kSource + "/charts/get-helm"});
  if (found.status != 0) return "";
  return last_line(found.out);
}

struct Outcome {
  Permission permission;
  RunResult run;
};

// Runs `run` once per permission, each as a fresh account whose role is `rules` without it,
// four side by side, each in its own namespace with its own Lease, each Canary through `provider`.
std::vector<Outcome> probe(E2eCluster& cluster, const json& rules,
                           const std::vector<Permission>& permissions,
                           RunResult (*run)(const RunOptions&),
                           const std::string& provider = "istio") {
  std::vector<Outcome> outcomes(permissions.size());
  std::atomic<std::size_t> next{0};
  std::mutex setup;
  auto worker = [&] {
    for (std::size_t i = next++; i < permissions.size(); i = next++) {
      const auto& p = permissions[i];
      const auto name = unique_name("veer-chart-probe");
      outcomes[i].permission = p;
      json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "ClusterRole"},
                   {"metadata", {{"name", name}}},
                   {"rules", rules_without(rules, p)}};
      if (const auto with = removed_with(p, rules))
        role["rules"] = rules_without(role["rules"], *with);
      const auto file = cluster.state_dir() + "/" + name + ".json";
      std::ofstream(file) << role.dump();
      CommandResult made;
      {
        std::lock_guard lock(setup);  // kubectl runs are short; one at a time keeps them simple
        made =
            run_command({kSource + "/e2e/cluster/sa-kubeconfig", cluster.state_dir(), name, file});
      }
      if (made.status != 0) {
        outcomes[i].run.error = "sa-kubeconfig: " + made.out;
        continue;
      }
      outcomes[i].run = run({"probe", last_line(made.out), "", p, provider});
      std::lock_guard lock(setup);
      cluster.kubectl({"delete", "clusterrolebinding", name, "--wait=false"});
      cluster.kubectl({"delete", "clusterrole", name, "--wait=false"});
      cluster.kubectl({"delete", "serviceaccount", name, "-n", "default", "--wait=false"});
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  return outcomes;
}

// The role's rules: the ClusterRole veer and the leader-election Role of manifests.yaml.
json chart_rules(E2eCluster& cluster) {
  json rules = rules_of(cluster, {"clusterrole", "veer"});
  const auto lease = rules_of(cluster, {"role", "veer-leader-election", "-n", "veer-system"});
  REQUIRE(!rules.empty());
  REQUIRE(!lease.empty());
  for (const auto& rule : lease) rules.push_back(rule);
  return rules;
}
}  // namespace

TEST_CASE(
    "charts/veer/manifests.yaml applies, and the documented value combinations pass the API "
    "server's validation") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto applied = apply_manifests(*cluster);
  REQUIRE_MESSAGE(applied.empty(), applied);
  for (const auto& object : {"serviceaccount/veer", "deployment/veer", "service/veer",
                             "role/veer-leader-election", "rolebinding/veer-leader-election"})
    CHECK_MESSAGE(cluster->kubectl({"get", "-n", "veer-system", object}).status == 0, object);
  for (const auto& object :
       {"clusterrole/veer", "clusterrolebinding/veer", "crd/canaries.veer.dev",
        "crd/metrictemplates.veer.dev", "crd/alertproviders.veer.dev", "crd/experiments.veer.dev"})
    CHECK_MESSAGE(cluster->kubectl({"get", object}).status == 0, object);

  const auto helm_path = helm();
  if (helm_path.empty()) {
    MESSAGE("no helm (charts/get-helm): value combinations not validated by the server");
    return;
  }
  cluster->kubectl({"create", "namespace", "team-a"});
  const std::vector<std::vector<std::string>> combinations = {
      {"replicas=2"},
      {"watchNamespace=team-a"},
      {"watchNamespace=team-a", "rbac.routers={istio,gatewayapi}"},
      {"slack.existingSecret=veer-slack", "slack.channel=deploys"},
      {"leaderElection.enabled=false"},
      {"rbac.ownerReferencesPermissionEnforcement=true"}};
  // helm template cannot ask the server: tell it a 1.20 when policy/v1 is not served (the
  // PodDisruptionBudget's API version depends on it; a source-built server says v0.0.0).
  auto served = cluster->kubectl({"api-versions"});
  REQUIRE(served.status == 0);
  const std::string kube_version =
      served.out.find("policy/v1\n") == std::string::npos ? "1.20.0" : "1.30.0";
  const auto file = cluster->state_dir() + "/veer-chart-combination.yaml";
  for (const auto& values : combinations) {
    std::vector<std::string> args = {
        helm_path,     "template",    "veer",           kSource + "/charts/veer",
        "--namespace", "veer-system", "--kube-version", kube_version};
    std::string label;
    for (const auto& v : values) {
      args.insert(args.end(), {"--set", v});
      label += v + " ";
    }
    auto rendered = run_command(args);
    REQUIRE_MESSAGE(rendered.status == 0, label << rendered.out);
    // helm's notes on stderr (a linked crds/) are not YAML.
    std::string yaml = rendered.out.substr(std::min(rendered.out.find("---"), rendered.out.size()));
    std::ofstream(file) << yaml;
    auto accepted = cluster->kubectl({"apply", "--dry-run=server", "-f", file});
    CHECK_MESSAGE(accepted.status == 0, label << ": " << accepted.out);
  }
}

TEST_CASE(
    "helm install with default values, helm upgrade to one namespace with leader election and 2 "
    "replicas, a second release installed so, and helm uninstall of both leaves nothing") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto helm_path = helm();
  REQUIRE_MESSAGE(!helm_path.empty(), "no helm: charts/get-helm (scripts/setup e2e caches it)");
  auto helm_run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), helm_path);
    args.insert(args.end(), {"--kubeconfig", cluster->admin_kubeconfig()});
    return run_command(args);
  };
  // A release named after its own namespace: its cluster-scoped objects are its own too.
  const auto a = unique_name("veer-helm"), b = unique_name("veer-helm");
  for (const auto& ns : {a, b}) REQUIRE(cluster->kubectl({"create", "namespace", ns}).status == 0);
  auto exists = [&](const std::string& ns, const std::string& object) {
    return ns.empty() ? cluster->kubectl({"get", object}).status == 0
                      : cluster->kubectl({"get", "-n", ns, object}).status == 0;
  };
  auto jsonpath = [&](const std::string& ns, const std::string& object, const std::string& path) {
    auto got = cluster->kubectl({"get", "-n", ns, object, "-o", "jsonpath={" + path + "}"});
    return got.status == 0 ? last_line(got.out) : "";
  };
  std::string chart = kSource + "/charts/veer";
  // A source-built kube-apiserver says v0.0.0-master, which the chart's `kubeVersion: >=1.20`
  // refuses (helm install has no --kube-version): then a copy without that line is installed.
  auto version = cluster->kubectl({"version", "-o", "json"});
  REQUIRE(version.status == 0);
  if (version.out.find("\"gitVersion\": \"v0.0.0") != std::string::npos) {
    const auto copy = cluster->state_dir() + "/" + a + "-chart";
    REQUIRE(run_command({"cp", "-rL", chart, copy}).status == 0);  // -L: crds/ is a link
    REQUIRE(run_command({"sed", "-i", "/^kubeVersion:/d", copy + "/Chart.yaml"}).status == 0);
    MESSAGE("the server says v0.0.0: installing a copy of the chart without kubeVersion");
    chart = copy;
  }

  auto installed = helm_run({"install", a, chart, "--namespace", a});
  REQUIRE_MESSAGE(installed.status == 0, installed.out);
  for (const auto& object :
       {"deployment/" + a, "serviceaccount/" + a, "service/" + a, "role/" + a + "-leader-election",
        "rolebinding/" + a + "-leader-election"})
    CHECK_MESSAGE(exists(a, object), "helm install (defaults): " << object << " in " << a);
  for (const auto& object : {"clusterrole/" + a, "clusterrolebinding/" + a})
    CHECK_MESSAGE(exists("", object), "helm install (defaults): " << object);
  CHECK(jsonpath(a, "deployment/" + a, ".spec.replicas") == "1");
  CHECK(!exists(a, "poddisruptionbudget/" + a));  // one replica: no budget
  CHECK(exists("", "crd/experiments.veer.dev"));  // the chart's crds/ (kept if already there)

  // One namespace, leader election, 2 replicas: a Role where the ClusterRole was, and a budget.
  const std::vector<std::string> ha = {"--set", "replicas=2", "--set",
                                       "leaderElection.enabled=true"};
  std::vector<std::string> upgrade = {
      "upgrade", a, chart, "--namespace", a, "--set", "watchNamespace=" + a};
  upgrade.insert(upgrade.end(), ha.begin(), ha.end());
  auto upgraded = helm_run(upgrade);
  REQUIRE_MESSAGE(upgraded.status == 0, upgraded.out);
  CHECK(jsonpath(a, "deployment/" + a, ".spec.replicas") == "2");
  CHECK(exists(a, "poddisruptionbudget/" + a));
  CHECK(exists(a, "role/" + a));
  CHECK(exists(a, "rolebinding/" + a));
  CHECK_MESSAGE(!exists("", "clusterrole/" + a),
                "helm upgrade left the every-namespace ClusterRole");
  CHECK_MESSAGE(!exists("", "clusterrolebinding/" + a), "helm upgrade left its ClusterRoleBinding");
  CHECK(jsonpath(a, "deployment/" + a, ".spec.template.spec.containers[0].args")
            .find("--namespace=" + a) != std::string::npos);
  auto listed = helm_run({"list", "--namespace", a, "-o", "json"});
  REQUIRE(listed.status == 0);
  const auto releases = json::parse(listed.out.substr(listed.out.find('[')));
  REQUIRE(releases.size() == 1);
  CHECK(releases[0]["revision"] == "2");
  CHECK(releases[0]["status"] == "deployed");

  // The same combination installed directly (a second release beside the first).
  std::vector<std::string> install_b = {
      "install", b, chart, "--namespace", b, "--set", "watchNamespace=" + b};
  install_b.insert(install_b.end(), ha.begin(), ha.end());
  auto second = helm_run(install_b);
  REQUIRE_MESSAGE(second.status == 0, second.out);
  for (const auto& object : {"deployment/" + b, "poddisruptionbudget/" + b, "role/" + b,
                             "rolebinding/" + b, "role/" + b + "-leader-election"})
    CHECK_MESSAGE(exists(b, object), "helm install (one namespace, HA): " << object);
  CHECK(!exists("", "clusterrole/" + b));

  for (const auto& release : {a, b}) {
    auto removed = helm_run({"uninstall", release, "--namespace", release});
    CHECK_MESSAGE(removed.status == 0, removed.out);
    for (const auto& object :
         {"deployment/" + release, "serviceaccount/" + release, "service/" + release,
          "role/" + release, "rolebinding/" + release, "role/" + release + "-leader-election",
          "poddisruptionbudget/" + release})
      CHECK_MESSAGE(!exists(release, object), "after helm uninstall: " << object << " remains");
    for (const auto& object : {"clusterrole/" + release, "clusterrolebinding/" + release,
                               "clusterrole/" + release + "-cluster-scoped"})
      CHECK_MESSAGE(!exists("", object), "after helm uninstall: " << object << " remains");
    cluster->kubectl({"delete", "namespace", release, "--wait=false"});
  }
  // Helm never deletes CRDs (their objects would go with them): docs/install.md says so.
  CHECK(exists("", "crd/canaries.veer.dev"));
}

TEST_CASE(
    "a whole rollout as the chart's ServiceAccount with the chart's RBAC: initialized, "
    "promoted, rolled back, reverted on deletion, never refused") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto applied = apply_manifests(*cluster);
  REQUIRE_MESSAGE(applied.empty(), applied);
  std::string why;
  const auto kubeconfig = chart_kubeconfig(*cluster, why);
  REQUIRE_MESSAGE(!kubeconfig.empty(), why);
  // The Lease in veer-system, where the chart's Role for it is.
  auto run = run_rollout({"full", kubeconfig, "veer-system", std::nullopt});
  INFO("operator log: " << run.log_tail);
  CHECK_MESSAGE(run.error.empty(), run.error);
  CHECK(run.phases == run_phases());
  CHECK_MESSAGE(cluster->kubectl({"get", "lease", "veer-leader", "-n", "veer-system"}).status == 0,
                "the Lease veer-leader was never taken in veer-system");
  CHECK_MESSAGE(run.forbidden.empty(), "the chart's role lacks a permission: "
                                           << (run.forbidden.empty() ? "" : run.forbidden.front()));
}

TEST_CASE(
    "every permission of the chart's role is needed: without it the run is refused a call "
    "naming it, a get of a listed type with the list removed too (GET is the fallback)") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto applied = apply_manifests(*cluster);
  REQUIRE_MESSAGE(applied.empty(), applied);
  const json rules = chart_rules(*cluster);
  // Only the routers this run drives are probed (the Gateway API's by its own case below); the
  // others' rules have the same shape.
  const std::vector<std::string> probed_groups = {
      "veer.dev", "apps", "", "autoscaling", "networking.istio.io", "coordination.k8s.io"};
  std::vector<Permission> permissions;
  for (const auto& p : permissions_of(rules)) {
    if (std::find(probed_groups.begin(), probed_groups.end(), p.group) == probed_groups.end() ||
        experiments_permission(p))
      continue;
    if (const auto* u = unreached(p)) {
      MESSAGE("not probed: " << p.text() << ": " << std::string(u->why));
      continue;
    }
    permissions.push_back(p);
  }
  REQUIRE(permissions.size() > 25);

  const auto started = std::chrono::steady_clock::now();
  auto outcomes = probe(*cluster, rules, permissions, run_rollout);
  std::size_t named = 0;
  for (const auto& o : outcomes) {
    const auto with = removed_with(o.permission, rules);
    INFO("without " << o.permission.text() << (with ? " and " + with->text() : "") << ": phases "
                    << o.run.phases.size() << ", forbidden "
                    << (o.run.forbidden.empty() ? "none" : o.run.forbidden.front()) << "\n"
                    << o.run.log_tail);
    // Needed, and said: the operator's log names the refused call (verb, resource, group), as
    // the API server words it. A run that merely fails, with the refusal said nowhere, is a
    // refusal read as something else (absence, a conflict, success).
    CHECK_MESSAGE(
        o.run.stopped,
        "without " << o.permission.text() << " the operator's log never named the refused call ("
                   << (o.run.error.empty() ? "the whole run succeeded" : o.run.error) << ")");
    if (o.run.stopped) ++named;
  }
  MESSAGE(permissions.size() << " permissions probed, " << named
                             << " refused by name in the operator's log, in "
                             << std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count()
                             << " s");
}

}  // namespace veer::e2e

namespace veer::e2e {
namespace {

// A targeted run: as the chart's ServiceAccount `run` (its Canary through `provider`) finishes
// every one of `phases` and is never refused; then each permission `wanted` picks (`expected` of
// them; the unreached ones are said and skipped) is removed in turn, side by side, and the
// operator's log must name the refused call (a run that merely fails, the refusal said nowhere,
// is a refusal read as something else).
void control_and_probe(const std::string& what, RunResult (*run)(const RunOptions&),
                       const std::vector<std::string>& phases,
                       const std::function<bool(const Permission&)>& wanted, std::size_t expected,
                       const std::string& provider = "istio") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto applied = apply_manifests(*cluster);
  REQUIRE_MESSAGE(applied.empty(), applied);
  std::string why;
  const auto kubeconfig = chart_kubeconfig(*cluster, why);
  REQUIRE_MESSAGE(!kubeconfig.empty(), why);
  const auto started = std::chrono::steady_clock::now();
  auto control = run({what, kubeconfig, "veer-system", std::nullopt, provider});
  INFO("operator log: " << control.log_tail);
  REQUIRE_MESSAGE(control.phases == phases, control.error);
  CHECK_MESSAGE(control.forbidden.empty(), control.forbidden.front());

  const json rules = chart_rules(*cluster);
  std::vector<Permission> permissions;
  for (const auto& p : permissions_of(rules)) {
    if (!wanted(p)) continue;
    if (const auto* u = unreached(p)) {
      MESSAGE("not probed: " << p.text() << ": " << std::string(u->why));
      continue;
    }
    permissions.push_back(p);
  }
  REQUIRE(permissions.size() == expected);
  std::size_t named = 0;
  for (const auto& o : probe(*cluster, rules, permissions, run, provider)) {
    INFO("without " << o.permission.text() << ": forbidden "
                    << (o.run.forbidden.empty() ? "none" : o.run.forbidden.front()) << "\n"
                    << o.run.log_tail);
    CHECK_MESSAGE(o.run.stopped,
                  "without " << o.permission.text()
                             << " the operator's log never named the refused call ("
                             << (o.run.error.empty() ? "the run finished" : o.run.error) << ")");
    if (o.run.stopped) ++named;
  }
  MESSAGE(what << ": " << permissions.size() << " permissions probed, " << named
               << " refused by name in the operator's log, in "
               << std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - started)
                      .count()
               << " s (with the control run)");
}

}  // namespace

TEST_CASE(
    "the Experiment controller's permissions: an Experiment reaches Running as the chart's "
    "ServiceAccount, and without any one of them it does not, refused a call naming it") {
  // list, watch and update experiments (the finalizer), update experiments/status. A refused
  // status write is said as refused (status_write.cpp), never as "changed meanwhile".
  control_and_probe("experiment", run_experiment, experiment_phases(), experiments_permission, 4);
}

TEST_CASE(
    "another router's permissions: a Gateway API Canary is initialized, promoted and deleted as "
    "the chart's ServiceAccount, and without create or update on httproutes it is refused a call "
    "naming it") {
  control_and_probe(
      "gatewayapi", run_router, router_phases(),
      [](const Permission& p) { return p.group == "gateway.networking.k8s.io"; }, 2, "gatewayapi");
}

TEST_CASE(
    "the SMI router's permissions: a linkerd Canary is initialized, promoted and deleted as the "
    "chart's ServiceAccount, and without create or update on trafficsplits it is refused a call "
    "naming it") {
  control_and_probe(
      "linkerd", run_router, router_phases(),
      [](const Permission& p) { return p.group == "split.smi-spec.io"; }, 2, "linkerd");
}

TEST_CASE(
    "the NGINX router's permissions: an nginx Canary is initialized, promoted and deleted as the "
    "chart's ServiceAccount, and without create, update or delete on ingresses (its canary copy "
    "is deleted with the Canary) it is refused a call naming it") {
  control_and_probe(
      "nginx", run_router, router_phases(),
      [](const Permission& p) { return p.group == "networking.k8s.io"; }, 3, "nginx");
}

}  // namespace veer::e2e

namespace veer::e2e {
namespace {

// The command lines of the fenced shell blocks of a docs page (`\` continuations joined), with
// their line numbers.
std::vector<std::pair<int, std::string>> doc_shell_lines(const std::string& page) {
  std::ifstream in(kSource + "/" + page);
  std::vector<std::pair<int, std::string>> out;
  std::string line, pending;
  bool block = false;
  int number = 0, start = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      const auto language = line.substr(3);
      block = !block && (language == "sh" || language == "bash" || language == "shell");
      pending.clear();
      continue;
    }
    if (!block) continue;
    if (pending.empty()) start = number;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    out.emplace_back(start, pending + line);
    pending.clear();
  }
  return out;
}

// The yaml blocks of a docs page.
std::vector<std::string> doc_yaml_blocks(const std::string& page) {
  std::ifstream in(kSource + "/" + page);
  std::vector<std::string> out;
  std::string line;
  bool block = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      block = !block && line == "```yaml";
      if (block) out.emplace_back();
      continue;
    }
    if (block) out.back() += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE(
    "the kubectl and veer status lines of docs/install.md and docs/getting-started.md run as "
    "written on the API "
    "server, and every Canary getting-started.md shows is accepted by the CRD's schema") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  REQUIRE(cluster->install_crds().empty());
  // Re-runnable: the secrets the docs create, and the sample namespace, start absent.
  for (const auto& secret : {"veer-slack", "veer-dashboard"})
    cluster->kubectl({"delete", "secret", secret, "-n", "veer-system", "--ignore-not-found"});
  // examples/podinfo.yaml's HPA is autoscaling/v2 (Kubernetes 1.23+); the Debian-packaged test
  // server is 1.20, which serves the same schema as v2beta2: there a copy says so.
  auto served = cluster->kubectl({"api-versions"});
  REQUIRE(served.status == 0);
  std::string podinfo = "examples/podinfo.yaml";
  if (served.out.find("autoscaling/v2\n") == std::string::npos) {
    podinfo = cluster->state_dir() + "/podinfo-v2beta2.yaml";
    REQUIRE(run_command({"bash", "-c",
                         "sed 's#autoscaling/v2$#autoscaling/v2beta2#' '" + kSource +
                             "/examples/podinfo.yaml' > '" + podinfo + "'"})
                .status == 0);
    MESSAGE("the server has no autoscaling/v2: examples/podinfo.yaml applied as v2beta2");
  }
  int ran = 0;
  for (const std::string page : {"docs/install.md", "docs/getting-started.md"}) {
    for (const auto& numbered : doc_shell_lines(page)) {
      // Not structured bindings: doctest's assertions capture them, which clang 14 refuses.
      const int number = numbered.first;
      std::string line = numbered.second;
      // veer lines that only read the cluster run too (the doc test runs the others it can;
      // a watch never ends).
      const bool veer_reads = line.rfind("veer status ", 0) == 0;
      if (line.rfind("kubectl ", 0) != 0 && !veer_reads) continue;
      if (const auto at = line.find("examples/podinfo.yaml"); at != std::string::npos)
        line.replace(at, std::string("examples/podinfo.yaml").size(), podinfo);
      // A watch never ends; the reader stops it.
      if (line.find(" -w") != std::string::npos || line.find("--watch") != std::string::npos)
        continue;
      // As a reader would run it: a shell in the repository, kubectl pointed at the cluster.
      auto done =
          run_command({"bash", "-c",
                       "cd '" + kSource + "' && export KUBECONFIG='" + cluster->admin_kubeconfig() +
                           "' SLACK_URL=https://hooks.slack.invalid/services/T/B/x PATH='" +
                           std::string(VEER_BINARY_DIR) + "/operator':\"$PATH\" && " + line});
      CHECK_MESSAGE(done.status == 0, page << ":" << number << ": " << line << "\n" << done.out);
      ++ran;
    }
  }
  // install.md: apply, set image, two secrets; getting-started.md: podinfo, the Canary,
  // veer status, set image, describe.
  CHECK(ran >= 9);
  CHECK(cluster->kubectl({"get", "canary", "podinfo", "-n", "test"}).status == 0);

  int canaries = 0;
  for (const auto& block : doc_yaml_blocks("docs/getting-started.md")) {
    if (block.find("kind: Canary") == std::string::npos) continue;
    const auto file = cluster->state_dir() + "/getting-started-canary.yaml";
    std::ofstream(file) << block;
    auto accepted = cluster->kubectl({"apply", "--dry-run=server", "-f", file});
    CHECK_MESSAGE(accepted.status == 0, block << accepted.out);
    ++canaries;
  }
  CHECK(canaries >= 4);
  // Back to the manifests as published (set image changed the Deployment).
  const auto applied = apply_manifests(*cluster);
  CHECK_MESSAGE(applied.empty(), applied);
}

}  // namespace veer::e2e
