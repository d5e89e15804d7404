// Reads a router's objects from the cluster and makes its writes (meshes::Write) through it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "meshes/objects.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::controller {

// The API reference of a router's object: in `ns` (the Canary's or Experiment's) unless it names
// its own namespace (Gloo's spec.upstreamRef).
kube::ObjectRef api_ref_of(const meshes::ObjectRef& ref, const std::string& ns);

// How one object is read: the cluster's get, or a read made earlier in the same pass.
using ObjectReader = std::function<kube::Result<nlohmann::json>(const kube::ObjectRef&)>;

// Reads each of `refs` (see api_ref_of) through `read` into `observed`: an absent object is left
// out; any other failure is the error, "cannot read <Kind> <ns>/<name><what>", never taken for
// absent (creating over it would fail or, worse, replace the user's object).
base::Status read_router_objects(const std::vector<meshes::ObjectRef>& refs, const std::string& ns,
                                 const ObjectReader& read, meshes::Observed& observed,
                                 const std::string& what = "");

// Creates, updates and deletes, in order, skipping unchanged objects; an object already deleted
// counts as deleted.
// Fails with the first failure (the writes after it are not made), its kind from the API's error.
base::Status apply_writes(kube::Cluster& cluster, const std::vector<meshes::Write>& writes);

// What a provider switch's writes did, for its Event: "deleted VirtualService x.ns, gave back
// HTTPRoute y.ns" ("" when they change nothing).
std::string retired_text(const std::vector<meshes::Write>& writes);

}  // namespace veer::controller
