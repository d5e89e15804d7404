// Slack: Block Kit blocks inside one attachment, so the message gets a colour bar; the top-level
// `text` is the preview and the fallback for clients without blocks. The same body works for
// incoming webhooks and for chat.postMessage with a bot token.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

inline constexpr const char* kSlackPostMessageUrl = "https://slack.com/api/chat.postMessage";

nlohmann::json slack_payload(const Notification& n, const Destination& to);

}  // namespace veer::notify
