#include "operator/controller/workload_health.hpp"

#include <string>

namespace veer::controller {

using nlohmann::json;

namespace {

long number(const json& object, const char* section, const char* key, long fallback = 0) {
  if (!object.contains(section) || !object[section].is_object()) return fallback;
  auto it = object[section].find(key);
  return it != object[section].end() && it->is_number() ? it->get<long>() : fallback;
}

bool deadline_exceeded(const json& workload) {
  if (!workload.contains("status") || !workload["status"].contains("conditions")) return false;
  for (const auto& c : workload["status"]["conditions"]) {
    if (c.value("type", "") == "Progressing" && c.value("status", "") == "False" &&
        c.value("reason", "") == "ProgressDeadlineExceeded")
      return true;
  }
  return false;
}

}  // namespace

std::optional<long> replicas_of(const json& workload) {
  if (workload.value("kind", "") != "Deployment") return std::nullopt;
  return number(workload, "spec", "replicas", 1);
}

WorkloadHealth workload_health(const json& workload, int ready_threshold_percent) {
  WorkloadHealth health;
  health.exists = true;
  const bool daemon_set = workload.value("kind", "") == "DaemonSet";
  const long generation = number(workload, "metadata", "generation", 0);
  const long observed = number(workload, "status", "observedGeneration", 0);
  const long desired = daemon_set ? number(workload, "status", "desiredNumberScheduled")
                                  : number(workload, "spec", "replicas", 1);
  const long updated = daemon_set ? number(workload, "status", "updatedNumberScheduled")
                                  : number(workload, "status", "updatedReplicas");
  const long available = daemon_set ? number(workload, "status", "numberAvailable")
                                    : number(workload, "status", "availableReplicas");
  const long needed = (desired * ready_threshold_percent + 99) / 100;
  health.deadline_exceeded = deadline_exceeded(workload);
  health.message =
      std::to_string(available) + " of " + std::to_string(desired) + " replicas available";
  if (observed < generation) {
    health.message += ", rollout not observed yet";
  } else if (updated < desired) {
    health.message += ", " + std::to_string(updated) + " updated";
  }
  health.ready = desired > 0 && observed >= generation && updated >= desired && available >= needed;
  if (desired == 0) health.message = "scaled to zero";
  return health;
}

}  // namespace veer::controller
