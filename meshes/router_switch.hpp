// A Canary whose provider changes (istio to gatewayapi, say) would otherwise leave the old
// router's objects routing beside the new ones: a VirtualService keeps the weights it was last
// given, and Istio's sidecars keep following it. These writes retire the old router before the
// new one routes: the user's objects veer changed get their own spec back (the old router's
// finalize), and the objects veer created for the old router are deleted. Objects both routers
// use (linkerd and smi share a TrafficSplit) are left for the new router to write.
#pragma once

#include <vector>

#include "meshes/canary_routing.hpp"
#include "meshes/experiment_routes.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"
#include "meshes/router.hpp"

namespace veer::meshes {

// `observed` holds what the cluster has of `old_router.objects(canary)`. Only objects the Canary
// controls are deleted; one it does not control is never deleted, only given back.
Expected<std::vector<Write>> retire_router(const Router& old_router, const Router& new_router,
                                           const CanaryRouting& canary, const Observed& observed);

// The same for an Experiment whose spec.provider changed: the old provider's object goes back to
// the user's spec (restore_experiment_routes) or, made by veer for the Experiment, is deleted;
// the apex and version Services, every provider's, stay.
Expected<std::vector<Write>> retire_experiment_routes(const std::string& old_provider,
                                                      const std::string& new_provider,
                                                      const ExperimentRouting& experiment,
                                                      const Observed& observed);

}  // namespace veer::meshes
