#include "operator/notify/global_defaults.hpp"

#include <cstdlib>

namespace veer::notify {

const std::vector<GlobalDefaultFlag>& global_default_flags() {
  using G = GlobalDefaults;
  static const std::vector<GlobalDefaultFlag> flags{
      {"cluster-name", "CLUSTER_NAME", "cluster name shown in every notification",
       &G::cluster_name},
      {"slack-url", "SLACK_URL", "Slack incoming-webhook URL", &G::slack_url},
      {"slack-token", "SLACK_TOKEN", "Slack bot token (chat.postMessage)", &G::slack_token},
      {"slack-channel", "SLACK_CHANNEL", "Slack channel", &G::slack_channel},
      {"slack-user", "SLACK_USER", "Slack user name", &G::slack_user},
      {"slack-proxy-url", "SLACK_PROXY_URL", "proxy for Slack", &G::slack_proxy},
      {"msteams-url", "MSTEAMS_URL", "Microsoft Teams webhook URL", &G::msteams_url},
      {"msteams-proxy-url", "MSTEAMS_PROXY_URL", "proxy for Microsoft Teams", &G::msteams_proxy},
      {"discord-url", "DISCORD_URL", "Discord webhook URL", &G::discord_url},
      {"rocket-url", "ROCKET_URL", "Rocket.Chat incoming-webhook URL", &G::rocket_url},
      {"gchat-url", "GCHAT_URL", "Google Chat space webhook URL", &G::gchat_url},
      {"notify-webhook-url", "NOTIFY_WEBHOOK_URL", "generic JSON webhook URL", &G::webhook_url},
  };
  return flags;
}

void apply_environment(GlobalDefaults& d, const std::function<const char*(const char*)>& getenv) {
  for (const auto& f : global_default_flags()) {
    std::string& value = d.*f.field;
    if (!value.empty()) continue;
    const char* found = getenv ? getenv(f.env) : std::getenv(f.env);
    if (found != nullptr) value = found;
  }
}

std::vector<Destination> GlobalDefaults::destinations() const {
  std::vector<Destination> out;
  auto add = [&](ProviderType type, const std::string& address, const std::string& proxy) {
    Destination d;
    d.type = type;
    d.address = address;
    d.proxy = proxy;
    d.label =
        "global " + std::string(to_string(type)) + " (--" + std::string(to_string(type)) + "-url)";
    out.push_back(std::move(d));
  };
  if (!slack_url.empty() || !slack_token.empty()) {
    add(ProviderType::slack, slack_url, slack_proxy);
    out.back().token = slack_token;
    out.back().channel = slack_channel;
    if (!slack_user.empty()) out.back().username = slack_user;
  }
  if (!msteams_url.empty()) add(ProviderType::msteams, msteams_url, msteams_proxy);
  if (!discord_url.empty()) add(ProviderType::discord, discord_url, "");
  if (!rocket_url.empty()) add(ProviderType::rocket, rocket_url, "");
  if (!gchat_url.empty()) add(ProviderType::gchat, gchat_url, "");
  if (!webhook_url.empty()) {
    add(ProviderType::webhook, webhook_url, "");
    out.back().label = "global webhook (--notify-webhook-url)";
  }
  return out;
}

}  // namespace veer::notify
