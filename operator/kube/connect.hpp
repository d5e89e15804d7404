// One call for the CLI commands that talk to the user's cluster: the kubeconfig (or the pod's
// service account) read, and a RestCluster on a real clock built from it.
#pragma once

#include <memory>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/kubeconfig.hpp"
#include "operator/kube/rest_cluster.hpp"

namespace veer::kube {

struct Connection {
  ClientConfig config;
  std::unique_ptr<base::RealClock> clock;  // outlives `cluster`, which waits on it
  std::unique_ptr<RestCluster> cluster;
};

// `kubeconfig_path` "" = $KUBECONFIG, in-cluster, ~/.kube/config (load_client_config); `context`
// "" = the current context. Errors (Configuration) name the file and the context.
Result<Connection> connect(const std::string& kubeconfig_path, const std::string& context);

}  // namespace veer::kube
