// The `kubernetes` provider: plain ClusterIP Services, no traffic shifting (blue/green only, as
// in Flagger). It writes nothing beyond the common Services and always reads 100% primary.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class KubernetesRouter final : public Router {
 public:
  std::string provider() const override { return "kubernetes"; }
  std::vector<ObjectRef> objects(const CanaryRouting&) const override { return {}; }
  Expected<std::vector<Write>> apply(const CanaryRouting&, const Routes& routes,
                                     const Observed&) const override {
    if (auto error = check_routes(routes)) return *error;
    return std::vector<Write>{};
  }
  Expected<Routes> read(const CanaryRouting&, const Observed&) const override { return Routes{}; }
  Expected<std::vector<Write>> finalize(const CanaryRouting&, const Observed&) const override {
    return std::vector<Write>{};
  }
};

}  // namespace veer::meshes
