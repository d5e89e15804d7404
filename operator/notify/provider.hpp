// From a notification and a destination to the HTTP request the provider expects, and back from
// the provider's answer to "accepted or not". Pure: no I/O, so every provider is golden-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

// The provider's JSON body for `n`.
nlohmann::json build_payload(const Notification& n, const Destination& to);

// The full request: URL (Slack with a token and no address goes to chat.postMessage), headers
// (JSON content type; a token becomes a Bearer header), body and proxy.
OutgoingRequest build_request(const Notification& n, const Destination& to);

// Why the provider did not take the message, or nothing when it did: a non-2xx status, or
// Slack's Web API answering 200 with {"ok": false, "error": ...}.
std::optional<std::string> rejection(const Destination& to, int status, std::string_view body);

}  // namespace veer::notify
