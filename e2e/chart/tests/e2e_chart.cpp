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
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
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
    {{"veer.dev/experiments"},
     {"get"},
     "with experiments' list refused too the operator runs no Experiment controller (it logs the "
     "refused list as a type it does not watch) and never reads an Experiment (measured: Running "
     "never comes); the informer's cache answers every read otherwise"},
};

// The DaemonSet writes (create the -primary copy, patch the target off every node, update the
// copy on promotion) are probed by a run whose target is a DaemonSet.
bool daemon_set_write(const Permission& p) {
  return p.group == "apps" && p.resource == "daemonsets" &&
         (p.verb == "create" || p.verb == "update" || p.verb == "patch");
}

// The Experiment controller's permissions (list and update experiments, update
// experiments/status and experiments/finalizers) are probed by their own, shorter run.
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

const kube::ResourceType kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount"};
const kube::ResourceType kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles",
                                       "ClusterRole"};
const kube::ResourceType kClusterRoleBindings{"rbac.authorization.k8s.io", "v1",
                                              "clusterrolebindings", "ClusterRoleBinding"};

// A value of e2e/cluster/up's STATE_DIR/env (KEY=value lines); "" when absent.
std::string cluster_env(const std::string& state_dir, const std::string& key) {
  std::ifstream in(state_dir + "/env");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

// A fresh ServiceAccount default/`name` bound to a new ClusterRole `name` of `rules`, with a
// TokenRequest token in its own kubeconfig: what e2e/cluster/sa-kubeconfig does, through the API
// instead of kubectl (six kubectl calls a probe, one at a time, were most of the probes' wall
// time on busy cores). Ready once the API server's authorizer sees the binding (a
// SubjectAccessReview of the role's first permission answers allowed); removed on destruction.
class Account {
 public:
  Account(const std::string& name, const json& rules) : name_(name) {
    cluster_ = E2eCluster::from_environment();
    if (!cluster_) {
      error_ = "VEER_TEST_KUBECONFIG is not set";
      return;
    }
    auto& api = cluster_->api();
    const std::vector<json> objects = {
        {{"apiVersion", "v1"},
         {"kind", "ServiceAccount"},
         {"metadata", {{"name", name}, {"namespace", "default"}}}},
        {{"apiVersion", "rbac.authorization.k8s.io/v1"},
         {"kind", "ClusterRole"},
         {"metadata", {{"name", name}}},
         {"rules", rules}},
        {{"apiVersion", "rbac.authorization.k8s.io/v1"},
         {"kind", "ClusterRoleBinding"},
         {"metadata", {{"name", name}}},
         {"roleRef",
          {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", name}}},
         {"subjects",
          json::array({{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", "default"}}})}}};
    for (const auto& object : objects) {
      if (auto created = api.create(object); !created) {
        error_ = "creating " + object["kind"].get<std::string>() + " " + name + ": " +
                 created.error().message;
        return;
      }
      ++made_;
    }
    const auto state = cluster_->state_dir();
    auto token = run_command(
        {"curl", "-fsS", "--cacert", cluster_env(state, "VEER_E2E_CA"), "-H",
         "Authorization: Bearer " + cluster_env(state, "VEER_E2E_TOKEN"), "-H",
         "Content-Type: application/json", "-X", "POST", "-d",
         R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":86400}})",
         cluster_env(state, "VEER_E2E_SERVER") + "/api/v1/namespaces/default/serviceaccounts/" +
             name + "/token"});
    const auto answer = json::parse(token.out, nullptr, false);
    if (token.status != 0 || !answer.is_object() || !answer.contains("status")) {
      error_ = "TokenRequest for " + name + ": " + token.out;
      return;
    }
    std::ifstream in(cluster_->admin_kubeconfig());
    std::stringstream admin;
    admin << in.rdbuf();
    auto text = std::regex_replace(admin.str(), std::regex("(\n    token: ).*"),
                                   "$1" + answer["status"].value("token", ""));
    text = std::regex_replace(text, std::regex("veer-admin"), name);
    kubeconfig_ = state + "/" + name + ".kubeconfig";
    std::ofstream(kubeconfig_) << text;
    error_ = await_binding(rules);
  }
  ~Account() {
    if (!cluster_) return;
    auto& api = cluster_->api();
    if (made_ > 2) api.remove({kClusterRoleBindings, "", name_});
    if (made_ > 1) api.remove({kClusterRoles, "", name_});
    if (made_ > 0) api.remove({kServiceAccounts, "default", name_});
  }
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& error() const { return error_; }  // "" when usable

 private:
  std::string await_binding(const json& rules) {
    const auto granted = permissions_of(rules);
    if (granted.empty()) return "";
    const auto& p = granted.front();
    const json review = {
        {"apiVersion", "authorization.k8s.io/v1"},
        {"kind", "SubjectAccessReview"},
        {"spec",
         {{"user", "system:serviceaccount:default:" + name_},
          {"resourceAttributes",
           {{"group", p.group}, {"resource", p.resource}, {"verb", p.verb}, {"namespace", "x"}}}}}};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto answered = cluster_->api().create(review);
      if (answered && answered->value("/status/allowed"_json_pointer, false)) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "the API server's authorizer never allowed " + name_ + " to " + p.text();
  }

  std::string name_;
  std::unique_ptr<E2eCluster> cluster_;
  int made_ = 0;
  std::string kubeconfig_;
  std::string error_;
};

// One run of the RBAC probes: a control (no permission removed: it must finish every phase and
// never be refused) or a probe (`without` removed, with removed_with's; the run must be refused a
// call naming it).
struct Job {
  std::string what;  // the run's kind: "rollout", "experiment", or the router's provider
  RunResult (*run)(const RunOptions&) = nullptr;
  std::string provider = "istio";
  std::optional<Permission> without;
  // The chart's own account (the whole rollout's control, its Lease in veer-system); otherwise
  // a fresh account whose ClusterRole is the rules probed minus `without`.
  std::string kubeconfig;
  std::string lease_namespace;
};

struct Outcome {
  Job job;
  RunResult run;
};

// How many runs go side by side: a run mostly waits (analysis ticks of 5 s, a lazily started
// informer's 10 s), and each is in its own namespace with its own account and Lease. Six, not
// four: 193 s for the 128 runs instead of 238 s on 2 cores at load 8 to 10 (135 s at load 3).
constexpr int kSideBySide = 6;

// Runs every job, kSideBySide at a time, in the order given (longest first keeps the last ones
// from running alone).
std::vector<Outcome> run_jobs(const json& rules, const std::vector<Job>& jobs) {
  std::vector<Outcome> outcomes(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      const auto& job = jobs[i];
      auto& outcome = outcomes[i];
      outcome.job = job;
      const std::string label = job.without ? "probe" : job.what;
      if (!job.kubeconfig.empty()) {
        outcome.run =
            job.run({label, job.kubeconfig, job.lease_namespace, job.without, job.provider});
        continue;
      }
      json role = rules;
      if (job.without) {
        role = rules_without(role, *job.without);
        if (const auto with = removed_with(*job.without, rules)) role = rules_without(role, *with);
      }
      Account account(unique_name("veer-chart-probe"), role);
      if (!account.error().empty()) {
        outcome.run.error = account.error();
        continue;
      }
      outcome.run =
          job.run({label, account.kubeconfig(), job.lease_namespace, job.without, job.provider});
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < kSideBySide; ++i) workers.emplace_back(worker);
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
      {"dashboard.enabled=true", "dashboard.actions=true"}};
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

namespace {

// A set of probes: the runs that show its permissions needed, and the control run that shows
// them enough.
struct ProbeSet {
  std::string what;  // "rollout", "experiment", or the router's provider
  RunResult (*run)(const RunOptions&);
  std::vector<std::string> phases;  // a control run's
  std::string provider;
  std::function<bool(const Permission&)> wanted;
};

// A set's permissions by API group: a router's rules are all of its groups'.
std::function<bool(const Permission&)> in_groups(std::vector<std::string> groups) {
  return [groups = std::move(groups)](const Permission& p) {
    return std::find(groups.begin(), groups.end(), p.group) != groups.end();
  };
}

// The permissions of `rules` that `set` probes (the unreached ones said and skipped).
std::vector<Permission> probed_by(const ProbeSet& set, const json& rules) {
  std::vector<Permission> permissions;
  for (const auto& p : permissions_of(rules)) {
    if (!set.wanted(p)) continue;
    if (const auto* u = unreached(p)) {
      MESSAGE("not probed: " << p.text() << ": " << std::string(u->why));
      continue;
    }
    permissions.push_back(p);
  }
  return permissions;
}

}  // namespace

TEST_CASE(
    "every permission of the chart's role is needed: without it the run is refused a call naming "
    "it (a get of a listed type with the list removed too: GET is the fallback), and with all of "
    "them each run finishes, never refused: a whole rollout as the chart's ServiceAccount, the "
    "Experiment controller's run, a DaemonSet target's, a Knative Service's, and Gateway API, "
    "SMI, NGINX, Contour, Traefik, Kuma, APISIX and Gloo Canaries") {
  auto cluster = cluster_or_skip();
  if (!cluster) return;
  const auto applied = apply_manifests(*cluster);
  REQUIRE_MESSAGE(applied.empty(), applied);
  std::string why;
  const auto kubeconfig = chart_kubeconfig(*cluster, why);
  REQUIRE_MESSAGE(!kubeconfig.empty(), why);
  const json rules = chart_rules(*cluster);
  // The other routers' and Knative's CRDs, as their projects ship them.
  const auto crds = upstream_crds_dir();
  if (crds.empty()) return;  // marked skipped, naming the folder
  const auto upstream = cluster->install_upstream_crds(
      crds, {"contour_httpproxies.yaml", "traefik_traefikservices.yaml", "kuma_trafficroutes.yaml",
             "apisix_apisixroutes.yaml", "gloo_routetables.yaml", "gloo_upstreams.yaml",
             "knative_services.yaml", "knative_configurations.yaml", "knative_revisions.yaml",
             "knative_routes.yaml"});
  REQUIRE_MESSAGE(upstream.empty(), upstream);

  // The whole rollout drives the core, Istio and Lease rules; the Experiment controller's
  // permissions (list, watch and update experiments, update experiments/status: a refused status
  // write is said as refused, never as "changed meanwhile"), the DaemonSet writes (a DaemonSet
  // target), Knative's (a Knative Service as the target) and every other router's (each router's
  // objects are deleted as the Canary moves to provider kubernetes) are probed by targeted runs
  // of their own.
  const std::vector<std::string> core_groups = {
      "veer.dev", "apps", "", "autoscaling", "networking.istio.io", "coordination.k8s.io"};
  const std::vector<ProbeSet> sets = {
      {"rollout", run_rollout, run_phases(), "istio",
       [core = in_groups(core_groups)](const Permission& p) {
         return core(p) && !experiments_permission(p) && !daemon_set_write(p);
       }},
      {"experiment", run_experiment, experiment_phases(), "istio", experiments_permission},
      {"daemonset", run_daemon_set, daemon_set_phases(), "istio", daemon_set_write},
      {"gatewayapi", run_router, router_phases(), "gatewayapi",
       in_groups({"gateway.networking.k8s.io"})},
      {"linkerd", run_router, router_phases(), "linkerd", in_groups({"split.smi-spec.io"})},
      {"nginx", run_router, router_phases(), "nginx", in_groups({"networking.k8s.io"})},
      {"contour", run_router, router_phases(), "contour", in_groups({"projectcontour.io"})},
      {"traefik", run_router, router_phases(), "traefik", in_groups({"traefik.io"})},
      {"kuma", run_router, router_phases(), "kuma", in_groups({"kuma.io"})},
      {"apisix", run_router, router_phases(), "apisix", in_groups({"apisix.apache.org"})},
      {"gloo", run_router, gloo_phases(), "gloo", in_groups({"gateway.solo.io", "gloo.solo.io"})},
      {"knative", run_knative, knative_phases(), "knative", in_groups({"serving.knative.dev"})},
  };
  const std::map<std::string, std::size_t> expected = {
      {"experiment", 5}, {"daemonset", 3}, {"gatewayapi", 6}, {"linkerd", 6},
      {"nginx", 6},      {"contour", 6},   {"traefik", 6},    {"kuma", 5},
      {"apisix", 6},     {"gloo", 12},     {"knative", 7}};

  // Each permission of the role is probed by exactly one set (or said unreached there): none is
  // left out, as one of a new rule would be.
  for (const auto& p : permissions_of(rules)) {
    const auto sets_probing =
        std::count_if(sets.begin(), sets.end(), [&](const ProbeSet& set) { return set.wanted(p); });
    CHECK_MESSAGE(sets_probing == 1, p.text() << " is probed by " << sets_probing << " sets");
  }

  // Longest first, so that the last ones do not run alone: the controls (whole runs), then the
  // probes of an update (refused as the promotion writes), of a get (after the lazily started
  // informer's 10 s wait) and of a delete (at the provider switch), then the others (refused as
  // the operator starts or initializes the Canary), the rollout's list and watch probes last.
  std::vector<Job> controls, updates, slower, targeted, core, early;
  for (const auto& set : sets) {
    if (set.what == "rollout")  // as the chart's own ServiceAccount, its Lease in veer-system
      controls.push_back(
          {set.what, set.run, set.provider, std::nullopt, kubeconfig, "veer-system"});
    else  // as a fresh account with the rules probed; each Lease in its run's namespace
      controls.push_back({set.what, set.run, set.provider, std::nullopt, "", ""});
    const auto permissions = probed_by(set, rules);
    if (set.what == "rollout") {
      REQUIRE(permissions.size() > 25);
    } else {
      // A rule that grants more than the router's types (or less) shows here first; the probes
      // still run, and say which permissions no run needs.
      std::string listed;
      for (const auto& p : permissions) listed += " " + p.text() + ",";
      CHECK_MESSAGE(permissions.size() == expected.at(set.what),
                    set.what << ": " << permissions.size() << " permissions in the role, "
                             << expected.at(set.what) << " expected:" << listed);
    }
    for (const auto& p : permissions) {
      Job job{set.what, set.run, set.provider, p, "", ""};
      if (p.verb == "update")
        updates.push_back(job);
      else if (p.verb == "get" || p.verb == "delete")
        slower.push_back(job);
      else if (set.what != "rollout")
        targeted.push_back(job);
      else if (p.verb == "list" || p.verb == "watch")
        early.push_back(job);
      else
        core.push_back(job);
    }
  }
  std::vector<Job> jobs = controls;
  for (const auto* part : {&updates, &slower, &targeted, &core, &early})
    jobs.insert(jobs.end(), part->begin(), part->end());

  const auto started = std::chrono::steady_clock::now();
  const auto outcomes = run_jobs(rules, jobs);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();

  std::map<std::string, std::pair<std::size_t, std::size_t>> counts;  // probed, named
  for (const auto& o : outcomes) {
    const auto& set = *std::find_if(sets.begin(), sets.end(),
                                    [&](const ProbeSet& s) { return s.what == o.job.what; });
    if (!o.job.without) {
      // The control: every phase, never refused.
      INFO(o.job.what << " control run; operator log: " << o.run.log_tail);
      CHECK_MESSAGE(o.run.error.empty(), o.run.error);
      CHECK(o.run.phases == set.phases);
      CHECK_MESSAGE(o.run.forbidden.empty(),
                    "the chart's role lacks a permission: "
                        << (o.run.forbidden.empty() ? "" : o.run.forbidden.front()));
      if (o.job.what == "rollout")
        CHECK_MESSAGE(
            cluster->kubectl({"get", "lease", "veer-leader", "-n", "veer-system"}).status == 0,
            "the Lease veer-leader was never taken in veer-system");
      continue;
    }
    const auto& p = *o.job.without;
    const auto with = removed_with(p, rules);
    INFO(o.job.what << " run without " << p.text() << (with ? " and " + with->text() : "")
                    << ": phases " << o.run.phases.size() << ", forbidden "
                    << (o.run.forbidden.empty() ? "none" : o.run.forbidden.front()) << "\n"
                    << o.run.log_tail);
    // Needed, and said: the operator's log names the refused call (verb, resource, group), as
    // the API server words it. A run that merely fails, with the refusal said nowhere, is a
    // refusal read as something else (absence, a conflict, success).
    CHECK_MESSAGE(o.run.stopped,
                  "without " << p.text() << " the operator's log never named the refused call ("
                             << (o.run.error.empty() ? "the whole run succeeded" : o.run.error)
                             << ")");
    auto& [probed, named] = counts[o.job.what];
    ++probed;
    if (o.run.stopped) ++named;
  }
  for (const auto& [what, count] : counts)
    MESSAGE(what << ": " << count.first << " permissions probed, " << count.second
                 << " refused by name in the operator's log");
  MESSAGE(jobs.size() << " runs (" << controls.size() << " controls), " << kSideBySide
                      << " side by side, in " << seconds << " s");
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
