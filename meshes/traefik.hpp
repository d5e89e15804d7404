// Traefik TraefikService <svc> (traefik.io/v1alpha1), as Flagger's traefik provider writes it: a
// weighted round robin over <svc>-primary and <svc>-canary, each listed while it gets traffic. The
// user's IngressRoute sends traffic to it (`kind: TraefikService`). Mirroring (which Flagger's
// traefik router does not render) switches it to a mirroring service; no A/B, no cookies.
#pragma once

#include "meshes/router.hpp"

namespace veer::meshes {

class TraefikRouter final : public Router {
 public:
  std::string provider() const override { return "traefik"; }
  std::vector<ObjectRef> objects(const CanaryRouting& canary) const override;
  Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                     const Observed& observed) const override;
  Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const override;
  Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                        const Observed& observed) const override;
};

}  // namespace veer::meshes
