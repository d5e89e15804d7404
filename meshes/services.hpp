// The three ClusterIP Services every provider needs: the apex <svc> (what clients call; it selects
// the primary pods), <svc>-primary and <svc>-canary.
#pragma once

#include <vector>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"

namespace veer::meshes {

// The Services' references, apex first.
std::vector<ObjectRef> service_objects(const CanaryRouting& canary);

// Writes for the three Services. An existing apex Service the user made is adopted: veer sets its
// selector and ports and keeps everything else; it is not given an owner reference.
Expected<std::vector<Write>> apply_services(const CanaryRouting& canary, const Observed& observed);

// On deletion: the apex Service selects the target's pods again and loses its owner reference,
// so it survives the Canary (-primary and -canary go with the Canary through their owner refs).
Expected<std::vector<Write>> finalize_services(const CanaryRouting& canary,
                                               const Observed& observed);

// Annotations that stop Flux and Argo CD from pruning or reverting objects veer generates.
const CustomMetadata& gitops_annotations();

}  // namespace veer::meshes
