#include "meshes/router_switch.hpp"

#include <algorithm>

namespace veer::meshes {

using nlohmann::json;

namespace {

// The same object, whatever the API version: Observed::find's rule.
bool same_object(const ObjectRef& a, const ObjectRef& b) {
  return api_group(a.api_version) == api_group(b.api_version) && a.kind == b.kind &&
         a.name == b.name && a.namespace_ == b.namespace_;
}

ObjectRef ref_of(const json& object) {
  const auto& meta = object.value("metadata", json::object());
  return {object.value("apiVersion", ""), object.value("kind", ""), meta.value("name", ""),
          meta.value("namespace", "")};
}

}  // namespace

Expected<std::vector<Write>> retire_router(const Router& old_router, const Router& new_router,
                                           const CanaryRouting& canary, const Observed& observed) {
  // A ref of the Canary's namespace names no namespace; the objects read back name theirs.
  auto in_ns = [&](ObjectRef ref) {
    if (ref.namespace_.empty()) ref.namespace_ = canary.namespace_;
    return ref;
  };
  auto kept = new_router.objects(canary);
  for (auto& ref : kept) ref = in_ns(std::move(ref));
  auto used_by_new = [&](const ObjectRef& ref) {
    const auto of = in_ns(ref);
    return std::any_of(kept.begin(), kept.end(),
                       [&](const ObjectRef& k) { return same_object(k, of); });
  };

  auto finalized = old_router.finalize(canary, observed);
  if (!finalized) return finalized.error();
  std::vector<Write> writes;
  for (auto& write : finalized.value())
    if (!used_by_new(ref_of(write.object))) writes.push_back(std::move(write));

  for (const auto& object : observed.objects) {
    const auto ref = ref_of(object);
    if (used_by_new(ref) || !is_controlled_by(object, canary)) continue;
    const bool written = std::any_of(writes.begin(), writes.end(), [&](const Write& w) {
      return same_object(ref_of(w.object), ref);
    });
    if (written) continue;  // the old router's finalize already deletes it (a user's copy)
    Write remove;
    remove.action = Write::Action::remove;
    remove.object = object;
    writes.push_back(std::move(remove));
  }
  return writes;
}

}  // namespace veer::meshes
