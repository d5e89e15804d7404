// The generic JSON webhook: veer's own stable schema, versioned by `schema`, for tools that are
// not chat apps (incident routers, audit logs, custom bots). Fields are only ever added.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

inline constexpr const char* kWebhookSchema = "veer.dev/notification/v1";

nlohmann::json webhook_payload(const Notification& n, const Destination& to);

}  // namespace veer::notify
