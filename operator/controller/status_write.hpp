// Writing a veer object's status, shared by the Canary and Experiment reconcilers.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/kube/cluster.hpp"

namespace veer::controller {

// Writes `wanted` as the status of `object` (as last read) when it differs, and on success keeps
// the written object in `object`. Fails with a conflict (someone wrote the object since it was
// read; the next pass reads it again), said apart from any other API error, which is named with
// the server's message. `key` is "namespace/name".
base::Status write_status_if_changed(kube::Cluster& cluster, nlohmann::json& object,
                                     const nlohmann::json& wanted, const std::string& key);

}  // namespace veer::controller
