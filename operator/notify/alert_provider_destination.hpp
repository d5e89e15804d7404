// From the AlertProvider kind (model/alert_provider.hpp) and its Secret to a Destination, and from
// a Canary's `alerts` to routes. Pure: the controller reads the objects from its informer cache.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/alert_provider.hpp"
#include "model/canary.hpp"
#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"
#include "operator/notify/routing.hpp"

namespace veer::notify {

Severity to_severity(model::AlertSeverity s);

// `secret` is the Secret object named by spec.secretRef (base64 `data`, or `stringData`), or
// null when there is none. Keys: `address` overrides spec.address, `token` becomes the token.
// The error names the AlertProvider and the field, never a value.
std::variant<Destination, std::string> destination_for(const model::AlertProvider& provider,
                                                       const nlohmann::json* secret);

// A Canary's `alerts` resolved to routes. `find_provider` and `find_secret` look objects up by
// namespace and name (null when absent); a providerRef without namespace means the canary's.
// Alerts that cannot be resolved are skipped and explained in `errors` (for an event).
struct ResolvedAlerts {
  std::vector<AlertRoute> routes;
  std::vector<std::string> errors;
};
ResolvedAlerts resolve_alerts(
    const std::vector<model::CanaryAlert>& alerts, const std::string& canary_namespace,
    const std::function<const model::AlertProvider*(const std::string&, const std::string&)>&
        find_provider,
    const std::function<const nlohmann::json*(const std::string&, const std::string&)>&
        find_secret);

}  // namespace veer::notify
