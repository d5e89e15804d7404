// What the informers' caches leave out of the objects they hold (memory that is the operator's
// own, issue 19): the server's record of who wrote which field (`metadata.managedFields`), which
// veer never reads, and kubectl's copy of the last applied object (the annotation
// `kubectl.kubernetes.io/last-applied-configuration`, as large as the spec) where veer neither
// reads it nor writes the whole object back.
#pragma once

#include <nlohmann/json.hpp>

namespace veer::runtime {

// Safe for every type: an update without `managedFields` leaves the server's as they are.
void drop_managed_fields(nlohmann::json& object);

// Only for types veer never updates whole from the cache (an update without the annotation would
// delete it) and whose annotation meshes do not read to restore a user's spec.
void drop_last_applied(nlohmann::json& object);

}  // namespace veer::runtime
