#include "operator/notify/destination.hpp"

#include <array>

#include "http/redact.hpp"

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
  return http::redact(
      text, {{d.token, "<token>"}, {d.address, "<address>"}, {url_path(d.address), "/<redacted>"}});
}

}  // namespace veer::notify
