// Google Chat: a space webhook message with `text` (the notification preview) and one cardsV2
// card: header, the message and reason, the facts, the evidence and the next commands.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

nlohmann::json gchat_payload(const Notification& n, const Destination& to);

}  // namespace veer::notify
