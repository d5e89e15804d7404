#include "meshes/unsupported.hpp"

namespace veer::meshes {

std::optional<RouterError> refuse_unsupported(const std::string& where, const std::string& provider,
                                              const CanaryRouting& canary, const Routes& routes,
                                              Supports supports) {
  const std::string prefix = where + ": provider " + provider + " ";
  if (canary.ab_testing() && !supports.ab_testing) {
    return invalid(prefix +
                   "cannot route by request (spec.analysis.match); A/B testing needs istio, "
                   "gatewayapi, nginx, contour or gloo");
  }
  if (routes.mirror && !supports.mirroring) {
    return invalid(prefix +
                   "cannot mirror traffic (spec.analysis.mirror); mirroring needs istio, "
                   "gatewayapi, contour or traefik");
  }
  if (canary.session_affinity && !supports.session_affinity) {
    return invalid(prefix +
                   "has no session affinity (spec.analysis.sessionAffinity); it needs istio or "
                   "gatewayapi");
  }
  return std::nullopt;
}

}  // namespace veer::meshes
