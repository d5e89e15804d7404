#include "operator/notify/routing.hpp"

namespace veer::notify {

std::vector<Destination> route(const Notification& n, const std::vector<AlertRoute>& alerts,
                               const std::vector<Destination>& global_defaults) {
  if (alerts.empty()) return global_defaults;
  std::vector<Destination> out;
  for (const auto& alert : alerts) {
    if (passes(n.severity, alert.threshold)) out.push_back(alert.to);
  }
  return out;
}

}  // namespace veer::notify
