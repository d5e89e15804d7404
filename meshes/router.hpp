// The interface every traffic router implements. Routers are pure: from the Canary's routing
// facts, the wanted routes and the objects found in the cluster they return the writes to make;
// the operator makes the API calls (docs/architecture.md: routers render, the operator applies).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"
#include "meshes/routes.hpp"

namespace veer::meshes {

class Router {
 public:
  virtual ~Router() = default;

  // The provider string this router was made for, e.g. "smi:v1alpha3".
  virtual std::string provider() const = 0;

  // The objects the operator must observe (cache) and pass back in `Observed`.
  virtual std::vector<ObjectRef> objects(const CanaryRouting& canary) const = 0;

  // The writes that make the router send `routes`. Idempotent: rendering again from what was
  // written yields only unchanged writes.
  virtual Expected<std::vector<Write>> apply(const CanaryRouting& canary, const Routes& routes,
                                             const Observed& observed) const = 0;

  // The routes the router currently applies, or why they cannot be read (absent, not accepted).
  virtual Expected<Routes> read(const CanaryRouting& canary, const Observed& observed) const = 0;

  // What to write when the Canary is deleted: the user's original routing back.
  virtual Expected<std::vector<Write>> finalize(const CanaryRouting& canary,
                                                const Observed& observed) const = 0;
};

// The router for a provider string: istio, linkerd, smi, smi:v1alpha1..v1alpha4 (each also as
// smi:<version>:<mesh>), gatewayapi, gatewayapi:v1beta1, gatewayapi:v1, nginx, kubernetes,
// contour, gloo, traefik, skipper, apisix, kuma, knative. Unknown strings are an `invalid` error
// listing the known ones. `nginx_annotation_prefix` is the operator's -ingress-annotations-prefix.
Expected<std::unique_ptr<Router>> make_router(
    const std::string& provider,
    const std::string& nginx_annotation_prefix = "nginx.ingress.kubernetes.io");

// The providers make_router accepts (for validation messages and docs).
std::vector<std::string> known_providers();

}  // namespace veer::meshes
