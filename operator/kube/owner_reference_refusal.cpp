#include "operator/kube/owner_reference_refusal.hpp"

namespace veer::kube {

namespace {

// The plugin's two refusals (kube-apiserver plugin/pkg/admission/gc), matched on their stable part.
constexpr const char* kFinalizers = "can't set finalizers on";
constexpr const char* kDelete = "cannot set an ownerRef on a resource you can't delete";

// The name of an owner reference, "" when absent or not a string.
std::string name_of_ref(const Json& ref) {
  const auto it = ref.find("name");
  return it != ref.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string cannot(const std::string& verb, const std::string& resource, const std::string& group) {
  return "this account cannot " + verb + " resource \"" + resource + "\" in API group \"" + group +
         "\"";
}

}  // namespace

std::string owner_reference_refusal(const std::string& message, const Json& object,
                                    const std::string& resource, const ResourceOf& resource_of) {
  const std::string plugin = " (the OwnerReferencesPermissionEnforcement admission plugin: ";
  if (message.find(kDelete) != std::string::npos) {
    return plugin + "changing an object's owner references needs delete on it, and " +
           cannot("delete", resource, type_of(object).group) + ")";
  }
  if (message.find(kFinalizers) == std::string::npos) return "";
  // Each owner the write blocks the deletion of needs update on its finalizers; the plugin does
  // not say which one it refused, so every such owner is named.
  std::string wanted;
  const auto pointer = "/metadata/ownerReferences"_json_pointer;
  const auto refs = object.is_object() && object.contains(pointer) ? object.at(pointer) : Json();
  for (const auto& ref : refs.is_array() ? refs : Json::array()) {
    if (!ref.is_object() || ref.find("blockOwnerDeletion") == ref.end() ||
        ref.at("blockOwnerDeletion") != true)
      continue;
    const auto owner = type_of(ref);  // its apiVersion and kind
    auto owners = resource_of(owner);
    if (owners.empty()) owners = "the resource of kind " + owner.kind;
    wanted += std::string(wanted.empty() ? "" : "; ") + owner.kind + " " + name_of_ref(ref) + ": " +
              cannot("update", owners + "/finalizers", owner.group);
  }
  if (wanted.empty()) wanted = "an owner's finalizers";
  return plugin +
         "setting blockOwnerDeletion on an owner reference needs update on the owner's "
         "finalizers, and " +
         wanted + ")";
}

}  // namespace veer::kube
