// Skipper ingress: the `<ingress>-canary` Ingress, a copy of the user's Ingress (spec.ingressRef)
// in which every path to the apex Service goes to <svc>-primary and, as a second backend,
// <svc>-canary, split by the annotation zalando.org/backend-weights. Its predicate Weight(100)
// makes Skipper prefer it over the user's Ingress; at canary weight 0 the predicate False()
// switches it off. The user's Ingress is never changed. Weights only.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class SkipperRouter final : public Router {
 public:
  std::string provider() const override { return "skipper"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
