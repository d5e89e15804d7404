// The Kubernetes objects routers read and write, and the one rule for writing them: veer sets
// only the fields it owns (listed as JSON pointers) on top of what is in the cluster, and asks for
// a write only when that changes something. Everything else on an existing object (the user's
// labels, annotations, rules, filters, status) is left as found.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"
#include "meshes/result.hpp"

namespace veer::meshes {

// Neither null nor an empty object, array or string.
bool non_empty(const nlohmann::json& value);

// An object a router reads or writes, in the Canary's namespace unless `namespace_` is set (only
// for objects a router reads elsewhere, such as Gloo's spec.upstreamRef).
struct ObjectRef {
  std::string api_version;  // e.g. "networking.istio.io/v1beta1"
  std::string kind;
  std::string name;
  std::string namespace_ = {};
  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// Objects found in the cluster (from the informer cache). Absent objects are simply missing.
// Lookups match API group, kind and name; the version may differ from the one veer writes.
struct Observed {
  std::vector<nlohmann::json> objects;
  const nlohmann::json* find(const ObjectRef& ref) const;
};

struct Write {
  enum class Action { create, update, unchanged, remove };
  Action action = Action::unchanged;
  // create: the full new object. update: the observed object (with its resourceVersion, for an
  // optimistic-concurrency update) with veer's fields set. unchanged: the observed object.
  // remove: the observed object to delete.
  nlohmann::json object;
  // JSON pointers of the fields veer owns on this object (what was compared).
  std::vector<std::string> owned_fields;

  bool needs_write() const { return action != Action::unchanged; }
};

// "/a/b" with each token escaped (label keys contain '/').
std::string json_pointer(std::initializer_list<std::string_view> tokens);

// The owner reference that makes the Canary the controller of a generated object.
nlohmann::json owner_reference(const CanaryRouting& canary);
bool is_controlled_by(const nlohmann::json& object, const CanaryRouting& canary);

// metadata for a new object: name, namespace, labels, annotations, owner reference.
nlohmann::json new_metadata(const CanaryRouting& canary, const std::string& name,
                            const CustomMetadata& metadata);

// Owned-field pointers for every label and annotation in `metadata`, except the keys
// spec.service.unmanagedMetadata lists: those are set when veer creates the object and left to
// whoever changes them afterwards.
std::vector<std::string> metadata_fields(const CanaryRouting& canary,
                                         const CustomMetadata& metadata);

// Where the user's spec is kept the first time veer changes an object it did not create, so that
// finalize can put it back.
inline constexpr std::string_view kOriginalConfigAnnotation = "veer.dev/original-configuration";
// Flagger's equivalent, honoured when finalizing objects migrated from Flagger.
inline constexpr std::string_view kFlaggerOriginalConfigAnnotation =
    "flagger.kubernetes.io/original-configuration";
// The hash of the fields veer owns as it last wrote them (drift.hpp); removed when veer hands an
// object back.
inline constexpr std::string_view kAppliedAnnotation = "veer.dev/applied-hash";
inline constexpr std::string_view kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";

struct UpsertOptions {
  // Save the observed spec in kOriginalConfigAnnotation before the first change to an object veer
  // does not control (unless kubectl's last-applied annotation already records it).
  bool remember_original_spec = false;
};

// Create `fresh` if nothing is observed; otherwise copy the owned fields of `fresh` (a pointer
// missing from `fresh` removes the field) onto the observed object and compare.
Write upsert(const nlohmann::json& fresh, const std::vector<std::string>& owned_fields,
             const nlohmann::json* observed, const UpsertOptions& options = {});

// What finalize writes back for an object veer changed but did not create: its spec as saved in
// the original-configuration annotation (veer's, Flagger's, or kubectl's last-applied), with the
// veer annotation removed. No write when nothing was saved (veer created it, or never changed it).
// An annotation that does not parse is an error naming the object and annotation.
Expected<std::vector<Write>> restore_original_spec(const nlohmann::json* observed);

// The value at a JSON pointer, or a null that lives forever (safe to keep references to).
const nlohmann::json& field_or_null(const nlohmann::json& object, const std::string& pointer);

// "name.namespace" for messages.
std::string object_name(const nlohmann::json& object);

// The API group of "group/version" ("" for "v1").
std::string_view api_group(std::string_view api_version);

}  // namespace veer::meshes
