// Discord: an execute-webhook body with one embed (colour, fields, footer); mentions disabled so
// a canary name can never ping @everyone.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

nlohmann::json discord_payload(const Notification& n, const Destination& to);

}  // namespace veer::notify
