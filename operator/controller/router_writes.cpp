#include "operator/controller/router_writes.hpp"

namespace veer::controller {

kube::ObjectRef api_ref_of(const meshes::ObjectRef& ref, const std::string& ns) {
  return {kube::type_of(ref.api_version, ref.kind), ref.namespace_.empty() ? ns : ref.namespace_,
          ref.name};
}

base::Status read_router_objects(const std::vector<meshes::ObjectRef>& refs, const std::string& ns,
                                 const ObjectReader& read, meshes::Observed& observed,
                                 const std::string& what) {
  for (const auto& ref : refs) {
    const auto where = api_ref_of(ref, ns);
    auto found = read(where);
    if (found) {
      observed.objects.push_back(std::move(*found));
    } else if (!found.is(kube::ErrorType::NotFound)) {
      return kube::to_error(found.error(),
                            "cannot read " + ref.kind + " " + where.ns + "/" + ref.name + what);
    }
  }
  return base::Empty{};
}

base::Status apply_writes(kube::Cluster& cluster, const std::vector<meshes::Write>& writes) {
  for (const auto& write : writes) {
    kube::Result<nlohmann::json> result = nlohmann::json();
    switch (write.action) {
      case meshes::Write::Action::unchanged:
        continue;
      case meshes::Write::Action::create:
        result = cluster.create(write.object);
        break;
      case meshes::Write::Action::update:
        result = cluster.update(write.object);
        break;
      case meshes::Write::Action::remove: {
        auto removed = cluster.remove(kube::ref_of(write.object));
        if (!removed && !removed.is(kube::ErrorType::NotFound))
          return kube::to_error(removed.error());
        continue;
      }
    }
    if (!result) return kube::to_error(result.error());
  }
  return base::Empty{};
}

std::string retired_text(const std::vector<meshes::Write>& writes) {
  std::string said;
  for (const auto& write : writes) {
    if (!write.needs_write()) continue;
    said += (said.empty() ? "" : ", ") +
            std::string(write.action == meshes::Write::Action::remove ? "deleted " : "gave back ") +
            meshes::object_name(write.object);  // "Kind name.namespace"
  }
  return said;
}

}  // namespace veer::controller
