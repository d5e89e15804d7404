#include "e2e/controller/tests/support/e2e_cluster.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

#include <doctest/doctest.h>

#include "operator/kube/kubeconfig.hpp"
#include "testing/skip.hpp"

namespace veer::e2e {

namespace {

const std::string kSource = VEER_SOURCE_DIR;
const std::string kKubectl = "/usr/bin/kubectl";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string upstream_crds_dir() {
  const char* named = std::getenv("VEER_UPSTREAM_CRDS");
  if (named != nullptr && *named != '\0') {
    if (!std::filesystem::is_directory(named))
      FAIL("VEER_UPSTREAM_CRDS=" << named << " is not a folder");
    return named;
  }
  const std::string fallback = kSource + "/../shared/fixtures/upstream-crds";
  if (std::filesystem::is_directory(fallback)) return fallback;
  testing::skip_test("no upstream CRDs in " + fallback +
                     "; set VEER_UPSTREAM_CRDS to the folder of the upstream router CRDs");
  return "";
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

std::unique_ptr<E2eCluster> E2eCluster::from_environment() {
  const char* from_env = std::getenv("VEER_TEST_KUBECONFIG");
  if (from_env == nullptr || *from_env == '\0') {
    testing::skip_test("VEER_TEST_KUBECONFIG is not set (scripts/test brings a server up)");
    return nullptr;
  }
  const std::string path = from_env;  // as text: doctest prints a char pointer as an address
  // Asked to run against a server: anything short of reaching it is a failure, not a skip.
  auto config = kube::load_client_config({path, ""});
  if (!config) FAIL("VEER_TEST_KUBECONFIG=" << path << ": " << config.error().message);
  auto cluster = std::unique_ptr<E2eCluster>(new E2eCluster(path, nullptr));
  cluster->api_ = std::make_unique<kube::RestCluster>(*config, cluster->clock_);
  if (auto version = cluster->api_->check(); !version)
    FAIL("VEER_TEST_KUBECONFIG=" << path << ": the API server does not answer: "
                                 << version.error().message);
  return cluster;
}

std::unique_ptr<E2eCluster> E2eCluster::from_kubeconfig(const std::string& kubeconfig,
                                                        std::string& why) {
  auto config = kube::load_client_config({kubeconfig, ""});
  if (!config) {
    why = kubeconfig + ": " + config.error().message;
    return nullptr;
  }
  auto cluster = std::unique_ptr<E2eCluster>(new E2eCluster(kubeconfig, nullptr));
  cluster->api_ = std::make_unique<kube::RestCluster>(*config, cluster->clock_);
  if (auto version = cluster->api_->check(); !version) {
    why = kubeconfig + ": the API server does not answer: " + version.error().message;
    return nullptr;
  }
  return cluster;
}

E2eCluster::E2eCluster(std::string kubeconfig, std::unique_ptr<kube::RestCluster> api)
    : kubeconfig_(std::move(kubeconfig)), api_(std::move(api)) {
  state_dir_ = std::filesystem::path(kubeconfig_).parent_path().string();
}

CommandResult E2eCluster::kubectl(std::vector<std::string> args) const {
  args.insert(args.begin(), {kKubectl, "--kubeconfig", kubeconfig_});
  return run_command(args);
}

std::string E2eCluster::install_crds() const {
  for (const auto& dir : {kSource + "/crds", kSource + "/meshes/crds"}) {
    // The router cases run as parallel processes: two applies of the same CRDs on a fresh server
    // can conflict ("the object has been modified"), and a second apply then succeeds.
    auto applied = kubectl({"apply", "-f", dir});
    for (int attempt = 1; applied.status != 0 && attempt < 5; ++attempt)
      applied = kubectl({"apply", "-f", dir});
    if (applied.status != 0) return "kubectl apply -f " + dir + ": " + applied.out;
    auto established = wait_established(dir);
    if (established.status != 0) return "CRDs in " + dir + " not established: " + established.out;
  }
  return "";
}

std::string E2eCluster::install_upstream_crds(const std::string& dir,
                                              const std::vector<std::string>& files) const {
  for (const auto& file : files) {
    const auto path = dir + "/" + file;
    // kubectl's client-side check refuses CEL rules (x-kubernetes-validations) that a 1.20
    // server ignores; the parallel cases may apply the same CRD at once (retried as above).
    auto applied = kubectl({"apply", "--validate=false", "-f", path});
    for (int attempt = 1; applied.status != 0 && attempt < 5; ++attempt)
      applied = kubectl({"apply", "--validate=false", "-f", path});
    if (applied.status != 0) return "kubectl apply -f " + path + ": " + applied.out;
    auto established = wait_established(path);
    if (established.status != 0) return "CRD " + path + " not established: " + established.out;
  }
  return "";
}

CommandResult E2eCluster::wait_established(const std::string& path) const {
  CommandResult done;
  // A CRD created a moment ago has no conditions yet, and kubectl fails at once ("accessor
  // error") instead of waiting: ask again until it waits.
  for (int attempt = 0; attempt < 20; ++attempt) {
    done = kubectl({"wait", "--for", "condition=established", "--timeout=60s", "-f", path});
    if (done.status == 0 || done.out.find("accessor error") == std::string::npos) break;
  }
  return done;
}

std::string E2eCluster::operator_kubeconfig(const std::string& name, std::string& why) const {
  auto made = run_command({kSource + "/e2e/cluster/sa-kubeconfig", state_dir_, name,
                           kSource + "/e2e/controller/rbac.yaml"});
  if (made.status != 0) {
    why = "e2e/cluster/sa-kubeconfig " + name + ": " + made.out;
    return "";
  }
  // The script prints the path last; kubectl's warnings may come before it.
  auto out = trim(made.out);
  return out.substr(out.find_last_of('\n') + 1);
}

std::string E2eCluster::create_namespace(const std::string& ns) {
  auto created =
      api_->create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  return created ? "" : created.error().message;
}

void E2eCluster::delete_namespace(const std::string& ns) {
  api_->remove({kube::type_of("v1", "Namespace"), "", ns});
}

}  // namespace veer::e2e
