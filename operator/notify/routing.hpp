// Who hears about a canary: its own `alerts` (each an AlertProvider with a severity threshold),
// or, only when it has none, the operator's global default destinations (Flagger semantics).
#pragma once

#include <vector>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

// One entry of a Canary's `spec.analysis.alerts`, with its AlertProvider already resolved.
// Built from the model types by resolve_alerts (alert_provider_destination.hpp).
struct AlertRoute {
  Destination to;
  Severity threshold = Severity::info;
};

std::vector<Destination> route(const Notification& n, const std::vector<AlertRoute>& alerts,
                               const std::vector<Destination>& global_defaults);

}  // namespace veer::notify
