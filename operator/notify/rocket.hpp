// Rocket.Chat: an incoming-webhook body (text, alias, emoji, channel) with one coloured
// attachment holding the facts and the evidence.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

nlohmann::json rocket_payload(const Notification& n, const Destination& to);

}  // namespace veer::notify
