// spec.service.portDiscovery (Flagger's behaviour): the other ports the target's containers
// declare become ports of the generated Services too, so that clients of, say, a metrics or gRPC
// port reach the primary and the canary as they reached the target.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"

namespace veer::meshes {

// The ports of `pod_spec`'s containers (not initContainers), except: those of the mesh proxies
// `istio-proxy` and `envoy`; the port spec.service already exposes (its targetPort by number or
// name, else its port); a second port of the same number and protocol or of the same name (the
// first is kept; a Service cannot hold both); a name or number spec.service uses. An unnamed port
// is named `tcp-<container>-<index>` (Flagger's name; its protocol is kept, TCP by default).
// Sorted by port number, then name.
std::vector<ServicePort> discovered_ports(const CanaryRouting& canary,
                                          const nlohmann::json& pod_spec);

}  // namespace veer::meshes
