#include "operator/notify/provider.hpp"

#include <fmt/format.h>

#include "http/printable.hpp"

#include "operator/notify/discord.hpp"
#include "operator/notify/gchat.hpp"
#include "operator/notify/msteams.hpp"
#include "operator/notify/rocket.hpp"
#include "operator/notify/slack.hpp"
#include "operator/notify/webhook.hpp"

namespace veer::notify {

nlohmann::json build_payload(const Notification& n, const Destination& to) {
  switch (to.type) {
    case ProviderType::slack:
      return slack_payload(n, to);
    case ProviderType::msteams:
      return msteams_payload(n, to);
    case ProviderType::discord:
      return discord_payload(n, to);
    case ProviderType::rocket:
      return rocket_payload(n, to);
    case ProviderType::gchat:
      return gchat_payload(n, to);
    case ProviderType::webhook:
      return webhook_payload(n, to);
  }
  return webhook_payload(n, to);
}

OutgoingRequest build_request(const Notification& n, const Destination& to) {
  OutgoingRequest request;
  request.url = to.address;
  if (to.type == ProviderType::slack && !to.token.empty() && to.address.empty()) {
    request.url = kSlackPostMessageUrl;
  }
  request.headers.emplace_back("Content-Type", to.type == ProviderType::gchat
                                                   ? "application/json; charset=UTF-8"
                                                   : "application/json");
  if (!to.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + to.token);
  request.body = build_payload(n, to).dump();
  request.proxy = to.proxy;
  return request;
}

std::optional<std::string> rejection(const Destination& to, int status, std::string_view body) {
  if (status < 200 || status > 299) {
    const std::string text = http::printable_excerpt(body, 512);
    return fmt::format("HTTP {}{}{}", status, text.empty() ? "" : ": ", text);
  }
  // chat.postMessage reports errors in a 200 body; incoming webhooks answer plain "ok".
  if (to.type == ProviderType::slack && !to.token.empty()) {
    const auto answer = nlohmann::json::parse(body, nullptr, false);
    if (answer.is_object() && answer.value("ok", true) == false) {
      return "Slack API error: " + http::printable(answer.value("error", std::string("unknown")));
    }
  }
  return std::nullopt;
}

}  // namespace veer::notify
