// Makes a router's writes (meshes::Write) through the cluster: creates, updates and deletes, in
// order, skipping unchanged objects; an object already deleted counts as deleted.
#pragma once

#include <string>
#include <vector>

#include "meshes/objects.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::controller {

// Fails with the first failure (the writes after it are not made), its kind from the API's error.
base::Status apply_writes(kube::Cluster& cluster, const std::vector<meshes::Write>& writes);

}  // namespace veer::controller
