#include "operator/controller/status_write.hpp"

#include "model/canonical_json.hpp"

namespace veer::controller {

base::Status write_status_if_changed(kube::Cluster& cluster, nlohmann::json& object,
                                     const nlohmann::json& wanted, const std::string& key) {
  const auto& current = object.value("status", nlohmann::json::object());
  if (model::canonical_json(wanted) == model::canonical_json(current)) return base::Empty{};
  auto update = object;
  update["status"] = wanted;
  auto written = cluster.update_status(update);
  if (!written) {
    auto failure = kube::to_error(written.error());
    failure.message = written.is(kube::ErrorType::Conflict)
                          ? "status of " + key + " changed meanwhile; retrying"
                          : "cannot write the status of " + key + ": " + failure.message;
    return failure;
  }
  object = *written;
  return base::Empty{};
}

}  // namespace veer::controller
