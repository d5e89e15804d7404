// Gloo Edge: RouteTable <svc> (gateway.solo.io/v1) that splits between two Upstreams
// (gloo.solo.io/v1) veer writes for <svc>-primary and <svc>-canary, named as Flagger's gloo
// provider names them (`<ns>-<svc>-primaryupstream-<port>`), so that Gloo's discovery is not
// needed. The user's VirtualService delegates to the RouteTable. A/B by headers and methods.
// spec.upstreamRef names an Upstream (any namespace) whose connection settings both copy.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class GlooRouter final : public Router {
 public:
  std::string provider() const override { return "gloo"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
