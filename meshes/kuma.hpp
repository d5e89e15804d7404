// Kuma TrafficRoute <svc> (kuma.io/v1alpha1), as Flagger's kuma provider writes it: a
// cluster-scoped policy in the Canary's mesh (annotation `kuma.io/mesh`, default "default") that
// splits the apex Service's traffic between <svc>-primary and <svc>-canary. Weights only.
// Cluster-scoped objects cannot be owned by a namespaced Canary, so veer marks the route with the
// annotation veer.dev/canary and deletes it when the Canary is deleted.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class KumaRouter final : public Router {
 public:
  std::string provider() const override { return "kuma"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
