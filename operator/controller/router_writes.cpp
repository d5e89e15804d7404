#include "operator/controller/router_writes.hpp"

namespace veer::controller {

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

}  // namespace veer::controller
