#include "operator/controller/status_write.hpp"

#include <utility>

#include "model/canonical_json.hpp"

namespace veer::controller {

base::Status write_status_if_changed(kube::Cluster& cluster, nlohmann::json& object,
                                     const nlohmann::json& wanted, const std::string& key) {
  static const nlohmann::json kNoStatus = nlohmann::json::object();
  const auto found = object.find("status");  // not value(): that copies the status
  const auto& current = found != object.end() ? *found : kNoStatus;
  if (model::canonical_json(wanted) == model::canonical_json(current)) return base::Empty{};
  auto update = object;
  update["status"] = wanted;
  auto written = cluster.update_status(update);
  if (!written) {
    if (written.is(kube::ErrorType::Conflict)) {
      auto failure = kube::to_error(written.error());
      failure.message = "status of " + key + " changed meanwhile; retrying";
      return failure;
    }
    return kube::to_error(written.error(), "cannot write the status of " + key);
  }
  object = std::move(*written);
  return base::Empty{};
}

}  // namespace veer::controller
