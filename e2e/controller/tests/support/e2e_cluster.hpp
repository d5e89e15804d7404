// The real cluster an e2e test runs against: the admin kubeconfig from VEER_TEST_KUBECONFIG
// (written by e2e/cluster/up into its state directory), the project's and the routers' CRDs,
// and a least-privilege ServiceAccount kubeconfig for the operator (e2e/controller/rbac.yaml
// through e2e/cluster/sa-kubeconfig).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "e2e/controller/tests/support/process.hpp"
#include "operator/kube/rest_cluster.hpp"

namespace veer::e2e {

class E2eCluster {
 public:
  // The cluster of VEER_TEST_KUBECONFIG. Unset (unit runs): the running test case is marked
  // skipped (testing/skip.hpp) and nullptr returned; the caller returns. Set but unusable (a
  // bad kubeconfig, a server that does not answer): the test case fails here.
  static std::unique_ptr<E2eCluster> from_environment();

  const std::string& admin_kubeconfig() const { return kubeconfig_; }
  const std::string& state_dir() const { return state_dir_; }
  kube::RestCluster& api() { return *api_; }

  // kubectl with the admin kubeconfig.
  CommandResult kubectl(std::vector<std::string> args) const;
  // Applies crds/ and meshes/crds/ and waits until they are established; "" or the error.
  std::string install_crds() const;
  // Applies the unmodified upstream CRDs `files` of `dir` (upstream_crds_dir) and waits until
  // they are established; "" or the error.
  std::string install_upstream_crds(const std::string& dir,
                                    const std::vector<std::string>& files) const;
  // `kubectl wait --for condition=established -f path`, robust to CRDs created a moment ago.
  CommandResult wait_established(const std::string& path) const;
  // A kubeconfig for ServiceAccount `name` bound to the ClusterRole in e2e/controller/rbac.yaml;
  // its path, or "" with the error in `why`.
  std::string operator_kubeconfig(const std::string& name, std::string& why) const;
  // Creates namespace `ns` (a fresh name per run); "" or the error.
  std::string create_namespace(const std::string& ns);
  // Deletes it without waiting (the namespace controller empties it).
  void delete_namespace(const std::string& ns);

 private:
  E2eCluster(std::string kubeconfig, std::unique_ptr<kube::RestCluster> api);

  std::string kubeconfig_;
  std::string state_dir_;
  base::RealClock clock_;
  std::unique_ptr<kube::RestCluster> api_;
};

// The folder of upstream router CRDs (third-party files kept outside the repository):
// VEER_UPSTREAM_CRDS, by default the shared fixtures beside the repository, as CI lays them out.
// A clone without the default folder marks the running case skipped and returns ""; a folder
// named by VEER_UPSTREAM_CRDS that is missing fails the case.
std::string upstream_crds_dir();

// A name unique to this test run: "<prefix>-<pid>-<n>".
std::string unique_name(const std::string& prefix);

}  // namespace veer::e2e
