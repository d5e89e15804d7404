// Gateway API: an HTTPRoute <svc> (gateway.networking.k8s.io v1 or v1beta1) with parentRefs from
// spec.service.gatewayRefs (a Gateway, or the apex Service for Linkerd/GAMMA), as Flagger writes
// it. Routes count as applied only once every parent has Accepted the current generation.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class GatewayApiRouter final : public Router {
 public:
  GatewayApiRouter(std::string provider, std::string version)
      : provider_(std::move(provider)), version_(std::move(version)) {}
  std::string provider() const override { return provider_; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;

 private:
  std::string provider_;
  std::string version_;  // "v1" | "v1beta1"
};

}  // namespace veer::meshes
