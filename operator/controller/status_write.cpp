#include "operator/controller/status_write.hpp"

#include "model/canonical_json.hpp"

namespace veer::controller {

std::string write_status_if_changed(kube::Cluster& cluster, nlohmann::json& object,
                                    const nlohmann::json& wanted, const std::string& key) {
  const auto& current = object.value("status", nlohmann::json::object());
  if (model::canonical_json(wanted) == model::canonical_json(current)) return "";
  auto update = object;
  update["status"] = wanted;
  auto written = cluster.update_status(update);
  if (!written) {
    if (written.is(kube::ErrorType::Conflict))
      return "status of " + key + " changed meanwhile; retrying";
    return "cannot write the status of " + key + ": " + written.error().message;
  }
  object = *written;
  return "";
}

}  // namespace veer::controller
