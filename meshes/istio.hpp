// Istio: a VirtualService <svc> and DestinationRules <svc>-primary / <svc>-canary, as Flagger
// writes them (networking.istio.io/v1beta1).
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class IstioRouter final : public Router {
 public:
  std::string provider() const override { return "istio"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
