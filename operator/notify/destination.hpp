// Where a notification goes: one chat provider endpoint, as an AlertProvider or the global
// --slack-url style flags describe it. `address` and `token` are secrets: never log them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace veer::notify {

enum class ProviderType { slack, msteams, discord, rocket, gchat, webhook };

std::string_view to_string(ProviderType t);
std::optional<ProviderType> parse_provider_type(std::string_view text);
inline constexpr std::string_view kProviderTypeNames = "slack|msteams|discord|rocket|gchat|webhook";

struct Destination {
  ProviderType type = ProviderType::slack;
  std::string address;  // webhook URL (secret)
  std::string token;    // bearer token (secret); for Slack it selects chat.postMessage
  std::string channel;
  std::string username = "veer";
  std::string proxy;  // proxy URL, may be empty
  std::string label;  // how logs and metrics name it, e.g. "AlertProvider test/on-call"

  // Identifies the endpoint (for ordering and deduplication) without being printable.
  std::string endpoint_key() const;
};

// The HTTP request a provider expects: always a JSON POST.
struct OutgoingRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string proxy;
};

// Replaces every occurrence of the destination's address and token (and the URL's path, which
// holds the webhook secret) in `text`, and any URL's userinfo and credential query values
// (http/redact.hpp), so an error message can be logged or printed.
std::string redact(std::string text, const Destination& d);

}  // namespace veer::notify
