// A cluster a test starts for itself (e2e/cluster/up into a fresh folder) when what it does
// would disturb other cases on the shared one: restarting the kube-apiserver. Stopped by
// e2e/cluster/down (by pid) when it goes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "e2e/controller/tests/support/e2e_cluster.hpp"

namespace veer::e2e::traffic {

class OwnCluster {
 public:
  // Starts etcd, kube-apiserver and kube-controller-manager in `dir`; check error().
  explicit OwnCluster(std::string dir);
  ~OwnCluster();
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  const std::string& error() const { return error_; }
  E2eCluster& cluster() { return *cluster_; }
  // e2e/cluster/restart: the kube-apiserver stopped, kept down for `down`, started again on the
  // same port and etcd; "" or why not.
  std::string restart_apiserver(std::chrono::seconds down);

 private:
  std::string dir_;
  std::string error_;
  std::unique_ptr<E2eCluster> cluster_;
};

}  // namespace veer::e2e::traffic
