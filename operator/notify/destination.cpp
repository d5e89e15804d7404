#include "operator/notify/destination.hpp"

#include <array>

namespace veer::notify {
namespace {

constexpr std::array<std::pair<ProviderType, std::string_view>, 6> kNames{{
    {ProviderType::slack, "slack"},
    {ProviderType::msteams, "msteams"},
    {ProviderType::discord, "discord"},
    {ProviderType::rocket, "rocket"},
    {ProviderType::gchat, "gchat"},
    {ProviderType::webhook, "webhook"},
}};

void replace_all(std::string& text, const std::string& secret, std::string_view with) {
  if (secret.size() < 4) return;  // too short to be a secret; replacing would garble the text
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), with);
    at += with.size();
  }
}

// "https://hooks.slack.com/services/T0/B0/XXXX" -> "/services/T0/B0/XXXX".
std::string url_path(const std::string& url) {
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? std::string() : url.substr(path);
}

}  // namespace

std::string_view to_string(ProviderType t) {
  for (const auto& [type, name] : kNames) {
    if (type == t) return name;
  }
  return "webhook";
}

std::optional<ProviderType> parse_provider_type(std::string_view text) {
  for (const auto& [type, name] : kNames) {
    if (name == text) return type;
  }
  return std::nullopt;
}

std::string Destination::endpoint_key() const {
  return std::string(to_string(type)) + '\x1f' + address + '\x1f' + channel + '\x1f' + token;
}

std::string redact(std::string text, const Destination& d) {
  replace_all(text, d.token, "<token>");
  replace_all(text, d.address, "<address>");
  const std::string path = url_path(d.address);
  if (path.size() > 1) replace_all(text, path, "/<redacted>");
  return text;
}

}  // namespace veer::notify
