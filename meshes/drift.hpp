// Drift: someone else changed, on an object veer wrote, a field veer owns (a VirtualService's
// weights edited by hand, an HTTPRoute's backendRefs rewritten by a GitOps tool). veer writes its
// fields back anyway (every pass renders the whole routing); this tells that it did and why.
// The cluster is the only memory: every create or update veer makes carries, in an annotation,
// the hash of the owned fields it wrote, so a restarted operator still tells drift from its own
// next step.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/objects.hpp"

namespace veer::meshes {

// The hash lives in kAppliedAnnotation (objects.hpp). 16 hex digits over the canonical JSON of
// the part of `object` the `owned` fields cover (an absent field is left out, as upsert removes
// it), so the same data owned through a parent or a child pointer hashes the same.
std::string owned_fields_hash(const nlohmann::json& object, const std::vector<std::string>& owned);

// Puts the hash of what each create and update writes into kAppliedAnnotation (no extra write:
// the annotation goes with the write veer makes anyway).
void stamp_applied(std::vector<Write>& writes);

struct Drift {
  std::string object;  // "VirtualService podinfo.test"
  std::vector<std::string>
      fields;  // where the live object differs, e.g. spec.http[0].route[1].weight
};

// For an update of `live` (the object as found): drift when veer's stamp is on it and its owned
// fields no longer hash to it. The fields named are those where `live` differs from what veer
// writes now; when there is none (what changed is no longer owned, or already has veer's value)
// there is no drift. An object without the stamp (veer never wrote it, or wrote it before this
// annotation existed) has no drift; neither has a create, an unchanged object or a removal.
std::optional<Drift> drift_of(const Write& write, const nlohmann::json& live);

// "VirtualService podinfo.test was changed outside veer (spec.http[0].route[1].weight); veer
// wrote its routing back". At most four fields are named, then "and N more".
std::string drift_message(const Drift& drift);

// A JSON pointer as a field path: "/spec/http/0/route" -> "spec.http[0].route".
std::string field_path(const std::string& pointer);

}  // namespace veer::meshes
