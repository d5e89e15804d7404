#include "operator/kube/connect.hpp"

namespace veer::kube {

Result<Connection> connect(const std::string& kubeconfig_path, const std::string& context) {
  auto config = load_client_config({kubeconfig_path, context});
  if (!config) return config.error();
  Connection out;
  out.config = std::move(*config);
  out.clock = std::make_unique<base::RealClock>();
  out.cluster = std::make_unique<RestCluster>(out.config, *out.clock);
  return out;
}

}  // namespace veer::kube
