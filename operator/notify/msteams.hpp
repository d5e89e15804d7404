// Microsoft Teams. Office 365 connector URLs (*.webhook.office.com, outlook.office.com) take the
// legacy MessageCard; Workflows (Power Automate) webhooks, which replace them, take an Adaptive
// Card wrapped in a message with one attachment.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

bool is_legacy_teams_connector(const std::string& url);

nlohmann::json msteams_payload(const Notification& n, const Destination& to);
nlohmann::json msteams_message_card(const Notification& n);
nlohmann::json msteams_adaptive_card(const Notification& n);

}  // namespace veer::notify
