#include "operator/runtime/cache_trim.hpp"

namespace veer::runtime {

void drop_managed_fields(nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

void drop_last_applied(nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return;
  annotations->erase("kubectl.kubernetes.io/last-applied-configuration");
  if (annotations->empty()) meta->erase(annotations);
}

}  // namespace veer::runtime
