// Where veer's outbound calls (metric APIs, rollout webhooks, notifiers) may go and how much they
// may take: one process-wide policy, set once from the command line (`--allowed-url-hosts`,
// `--deny-link-local`, `--max-response-size`, `--max-outbound-calls`) and read by every call.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace veer::http {

inline constexpr std::size_t kDefaultMaxResponseBytes = 8u << 20;  // metric answers
inline constexpr std::size_t kSmallReplyBytes = 64u << 10;         // webhook and notifier replies
inline constexpr int kDefaultMaxConcurrentCalls = 32;

struct OutboundPolicy {
  // Empty: any host. Otherwise the URL's host must match an entry: a name
  // ("prometheus.monitoring"), a suffix ("*.example.com"), an IP address or a CIDR block
  // ("10.0.0.0/8"), as written in the URL.
  std::vector<std::string> allowed_hosts;
  // Refuses 169.254.0.0/16, fe80::/10 and fd00:ec2::254 (cloud metadata services), in the URL and
  // in the addresses a host name resolves to.
  bool deny_link_local = true;
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;  // a call may ask for less
  int max_concurrent_calls = kDefaultMaxConcurrentCalls;
};

void set_outbound_policy(OutboundPolicy policy);
OutboundPolicy outbound_policy();

// Why the policy refuses `url` (a sentence naming the rule, without the URL); nothing if allowed.
// Only http and https are ever allowed.
std::optional<std::string> refuse_url(const OutboundPolicy& policy, std::string_view url);

// Why the policy refuses to connect to `address` (the resolved address of the URL's host).
std::optional<std::string> refuse_address(const OutboundPolicy& policy, const sockaddr& address);

// An --allowed-url-hosts entry's problem, if it cannot match anything ("10.0.0.0/33").
std::optional<std::string> check_host_pattern(std::string_view pattern);

}  // namespace veer::http
