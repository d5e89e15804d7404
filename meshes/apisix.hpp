// Apache APISIX: the ApisixRoute `<route>-<svc>-canary` (apisix.apache.org/v2), as Flagger's apisix
// provider writes it: a copy of the user's ApisixRoute (spec.routeRef) keeping only the HTTP rule
// whose one backend is the apex Service, at priority 10000, with weighted backends <svc>-primary
// and <svc>-canary. The user's ApisixRoute is never changed. Weights only.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class ApisixRouter final : public Router {
 public:
  std::string provider() const override { return "apisix"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
