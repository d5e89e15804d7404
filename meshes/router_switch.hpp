// A Canary whose provider changes (istio to gatewayapi, say) would otherwise leave the old
// router's objects routing beside the new ones: a VirtualService keeps the weights it was last
// given, and Istio's sidecars keep following it. These writes retire the old router before the
// new one routes: the user's objects veer changed get their own spec back (the old router's
// finalize), and the objects veer created for the old router are deleted. Objects both routers
// use (linkerd and smi share a TrafficSplit) are left for the new router to write.
#pragma once

#include <vector>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"
#include "meshes/router.hpp"

namespace veer::meshes {

// `observed` holds what the cluster has of `old_router.objects(canary)`. Only objects the Canary
// controls are deleted; one it does not control is never deleted, only given back.
Expected<std::vector<Write>> retire_router(const Router& old_router, const Router& new_router,
                                           const CanaryRouting& canary, const Observed& observed);

}  // namespace veer::meshes
