// A simulated cluster for runtime tests: a MemoryCluster serving veer's CRDs and the routers',
// a SimulatedClock, and helpers to read a Canary's phase and to roll a Deployment's image.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/manager.hpp"

namespace veer::runtime::testing {

// Settings for a Manager in these worlds: two workers, `provider` as --mesh-provider.
ManagerSettings simulated_settings(const std::string& provider = "istio");

struct World {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};

  World();
  void add_namespace(const std::string& ns);
  // A Deployment and its Canary (10% steps to 50%, 1m interval, success-rate metric).
  void add_app(const std::string& ns, const std::string& name,
               const std::string& provider = "istio");
  void set_image(const std::string& ns, const std::string& name, const std::string& image);
  std::string phase(const std::string& ns, const std::string& name);
  nlohmann::json get(const std::string& api_version, const std::string& kind, const std::string& ns,
                     const std::string& name);
  // The kubelet stand-in: every Deployment in `ns` rolled out.
  void kubelet(const std::string& ns);
};

}  // namespace veer::runtime::testing
