// The OwnerReferencesPermissionEnforcement admission plugin (on in OpenShift) refuses a write with
// a message that names neither the permission it wanted nor the owner ("cannot set
// blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: ,
// <nil>"). This says which, in the words RBAC uses for any other refusal, so that the log line
// tells the operator's admin what to grant.
#pragma once

#include <functional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

// The resource a type is served as ("canaries" for veer.dev/v1beta1 Canary), "" when unknown.
using ResourceOf = std::function<std::string(const ResourceType&)>;

// What the plugin's refusal `message` of a create or update of `object` (a `resource` of its
// group) asks for, as " (the OwnerReferencesPermissionEnforcement admission plugin: ... this
// account cannot update resource "canaries/finalizers" in API group "veer.dev")"; "" when the
// message is not one of the plugin's.
std::string owner_reference_refusal(const std::string& message, const Json& object,
                                    const std::string& resource, const ResourceOf& resource_of);

}  // namespace veer::kube
