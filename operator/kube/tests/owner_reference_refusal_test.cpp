#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "operator/kube/owner_reference_refusal.hpp"

using veer::kube::owner_reference_refusal;
using veer::kube::ResourceType;
using Json = nlohmann::json;

namespace {

// The kube-apiserver's messages, as its 1.20 build in e2e/cluster answered veer's writes.
const std::string kFinalizersRefused =
    R"(configmaps "podinfo-config-primary" is forbidden: cannot set blockOwnerDeletion if an )"
    R"(ownerReference refers to a resource you can't set finalizers on: , <nil>)";
const std::string kDeleteRefused =
    R"(services "podinfo" is forbidden: cannot set an ownerRef on a resource you can't delete: , )"
    R"(<nil>)";

std::string resource_of(const ResourceType& type) {
  if (type.group == "veer.dev" && type.kind == "Canary") return "canaries";
  if (type.group == "veer.dev" && type.kind == "Experiment") return "experiments";
  return "";
}

Json owned_by(const Json& refs) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "podinfo-config-primary"}, {"ownerReferences", refs}}}};
}

Json ref(const std::string& kind, const std::string& name, bool blocks) {
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", kind},
          {"name", name},
          {"uid", "u"},
          {"controller", true},
          {"blockOwnerDeletion", blocks}};
}

}  // namespace

TEST_CASE("a blockOwnerDeletion refusal names the owner's finalizers as RBAC would") {
  const auto said = owner_reference_refusal(kFinalizersRefused,
                                            owned_by(Json::array({ref("Canary", "podinfo", true)})),
                                            "configmaps", resource_of);
  CHECK(said ==
        " (the OwnerReferencesPermissionEnforcement admission plugin: setting blockOwnerDeletion "
        "on an owner reference needs update on the owner's finalizers, and Canary podinfo: this "
        "account cannot update resource \"canaries/finalizers\" in API group \"veer.dev\")");
}

TEST_CASE(
    "only the owners whose deletion the object blocks are named, and an unknown kind is said") {
  const auto said = owner_reference_refusal(
      kFinalizersRefused,
      owned_by(Json::array({ref("Canary", "old", false), ref("Experiment", "checkout", true),
                            ref("Widget", "w", true)})),
      "configmaps", resource_of);
  CHECK(said.find("Canary old") == std::string::npos);
  CHECK(said.find("Experiment checkout: this account cannot update resource "
                  "\"experiments/finalizers\" in API group \"veer.dev\"") != std::string::npos);
  CHECK(said.find("Widget w: this account cannot update resource \"the resource of kind "
                  "Widget/finalizers\"") != std::string::npos);
}

TEST_CASE("a changed owner reference's refusal names delete on the object's own resource") {
  const Json service = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "p"}}}};
  CHECK(owner_reference_refusal(kDeleteRefused, service, "services", resource_of) ==
        " (the OwnerReferencesPermissionEnforcement admission plugin: changing an object's owner "
        "references needs delete on it, and this account cannot delete resource \"services\" in "
        "API group \"\")");
  const Json deployment = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}};
  CHECK(owner_reference_refusal(kDeleteRefused, deployment, "deployments", resource_of)
            .find("cannot delete resource \"deployments\" in API group \"apps\"") !=
        std::string::npos);
}

TEST_CASE("any other refusal is left as the API server said it") {
  const std::string rbac =
      R"(configmaps is forbidden: User "system:serviceaccount:a:b" cannot create resource )"
      R"("configmaps" in API group "" in the namespace "a")";
  CHECK(owner_reference_refusal(rbac, owned_by(Json::array({ref("Canary", "p", true)})),
                                "configmaps", resource_of) == "");
  // A refusal of the plugin's for an object with no blocking owner (not veer's) still says what,
  // whatever shape its metadata has.
  for (const auto& odd : {Json::object(), Json::parse(R"({"metadata": "x"})"),
                          Json::parse(R"({"metadata": {"ownerReferences": {"a": 1}}})"),
                          owned_by(Json::array({"x", {{"blockOwnerDeletion", "yes"}}}))})
    CHECK(owner_reference_refusal(kFinalizersRefused, odd, "configmaps", resource_of)
              .find("an owner's finalizers") != std::string::npos);
}
