// Contour HTTPProxy <svc> (projectcontour.io/v1), as Flagger's contour provider writes it: a proxy
// without a virtual host, for the user's root HTTPProxy to include, that splits the path prefix
// between <svc>-primary and <svc>-canary. A/B by request headers; mirroring by a `mirror: true`
// service (which Flagger's contour router does not render); no cookies.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class ContourRouter final : public Router {
 public:
  std::string provider() const override { return "contour"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
