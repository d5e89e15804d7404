// Reads the traffic split straight from the objects a router reads (VirtualService route
// weights, TrafficSplit backends, HTTPRoute backendRefs, the NGINX canary Ingress annotation,
// the apex Service selector, a Knative Service's traffic targets), independently of veer's own
// meshes/ code, so the test checks what the mesh would do.
#pragma once

#include <optional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::e2e {

struct Split {
  int primary = 0;
  int canary = 0;
  bool operator==(const Split&) const = default;
};

// The split for Canary `name` in `ns` under `provider`; nullopt (with `why`) when the objects
// are missing or do not route to `<name>-primary` / `<name>-canary`.
std::optional<Split> read_split(kube::Cluster& cluster, const std::string& provider,
                                const std::string& ns, const std::string& name, std::string& why);

std::string to_string(const Split& split);

}  // namespace veer::e2e
