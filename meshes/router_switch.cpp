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

// The old router's finalize writes, then a removal of each object it read that the owner
// controls, leaving alone what the new router uses (`kept`, in the namespace).
Expected<std::vector<Write>> retire(Expected<std::vector<Write>> finalized,
                                    const std::vector<ObjectRef>& kept, const CanaryRouting& owner,
                                    const Observed& observed) {
  auto used_by_new = [&](ObjectRef ref) {
    if (ref.namespace_.empty()) ref.namespace_ = owner.namespace_;
    return std::any_of(kept.begin(), kept.end(),
                       [&](const ObjectRef& k) { return same_object(k, ref); });
  };
  if (!finalized) return finalized.error();
  std::vector<Write> writes;
  for (auto& write : finalized.value())
    if (!used_by_new(ref_of(write.object))) writes.push_back(std::move(write));

  for (const auto& object : observed.objects) {
    const auto ref = ref_of(object);
    if (used_by_new(ref) || !is_controlled_by(object, owner)) continue;
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

// A ref of the owner's namespace names no namespace; the objects read back name theirs.
std::vector<ObjectRef> in_namespace(std::vector<ObjectRef> refs, const std::string& ns) {
  for (auto& ref : refs)
    if (ref.namespace_.empty()) ref.namespace_ = ns;
  return refs;
}

}  // namespace

Expected<std::vector<Write>> retire_router(const Router& old_router, const Router& new_router,
                                           const CanaryRouting& canary, const Observed& observed) {
  return retire(old_router.finalize(canary, observed),
                in_namespace(new_router.objects(canary), canary.namespace_), canary, observed);
}

Expected<std::vector<Write>> retire_experiment_routes(const std::string& old_provider,
                                                      const std::string& new_provider,
                                                      const ExperimentRouting& experiment,
                                                      const Observed& observed) {
  return retire(
      restore_experiment_routes(old_provider, experiment, observed),
      in_namespace(experiment_objects(new_provider, experiment), experiment.owner.namespace_),
      experiment.owner, observed);
}

}  // namespace veer::meshes
