#include "http/outbound_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>

namespace veer::http {
namespace {

std::mutex& policy_mutex() {
  static std::mutex m;
  return m;
}
OutboundPolicy& current() {
  static OutboundPolicy p;
  return p;
}

struct Ip {
  int family = AF_INET;
  std::array<unsigned char, 16> bytes{};  // 4 used for IPv4
  std::size_t size() const { return family == AF_INET ? 4 : 16; }
};

std::optional<Ip> parse_ip(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (auto zone = text.find('%'); zone != std::string::npos) text.resize(zone);
  Ip ip;
  if (inet_pton(AF_INET, text.c_str(), ip.bytes.data()) == 1) return ip;
  ip.family = AF_INET6;
  if (inet_pton(AF_INET6, text.c_str(), ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address.
Ip unmapped(Ip ip) {
  static constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (ip.family == AF_INET6 && std::equal(kMapped.begin(), kMapped.end(), ip.bytes.begin())) {
    Ip v4;
    std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
    return v4;
  }
  return ip;
}

bool in_block(const Ip& ip, const Ip& block, int prefix) {
  if (ip.family != block.family) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if ((ip.bytes[bit / 8] & mask) != (block.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

// The link-local block `ip` is in ("169.254.0.0/16"), if any.
std::optional<std::string> link_local_block(Ip ip) {
  ip = unmapped(ip);
  struct Block {
    const char* text;
    const char* address;
    int prefix;
  };
  static constexpr std::array<Block, 3> kBlocks{{
      {"169.254.0.0/16", "169.254.0.0", 16},
      {"fe80::/10", "fe80::", 10},
      {"fd00:ec2::254", "fd00:ec2::254", 128},
  }};
  for (const auto& b : kBlocks) {
    if (in_block(ip, *parse_ip(b.address), b.prefix)) return std::string(b.text);
  }
  return std::nullopt;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// An IP address or CIDR block: the address and its prefix length.
std::optional<std::pair<Ip, int>> parse_block(std::string_view pattern) {
  const auto slash = pattern.find('/');
  auto ip = parse_ip(std::string(pattern.substr(0, slash)));
  if (!ip) return std::nullopt;
  int prefix = static_cast<int>(ip->size()) * 8;
  if (slash != std::string_view::npos) {
    const std::string bits(pattern.substr(slash + 1));
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        std::stoi(bits) > prefix) {
      return std::make_pair(*ip, -1);
    }
    prefix = std::stoi(bits);
  }
  return std::make_pair(*ip, prefix);
}

bool host_matches(const std::string& pattern_text, const std::string& host,
                  const std::optional<Ip>& host_ip) {
  const std::string pattern = lower(pattern_text);
  if (auto block = parse_block(pattern)) {
    return host_ip && block->second >= 0 &&
           in_block(unmapped(*host_ip), unmapped(block->first), block->second);
  }
  if (pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return host == pattern;
}

struct UrlHandle {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string part(CURLU* url, CURLUPart which) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, 0) != CURLUE_OK || !text) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

// `subject` ends where "link-local" follows: "the host 169.254.169.254 is".
std::string link_local_refusal(const std::string& subject, const std::string& block) {
  return subject + " link-local (" + block +
         ", where cloud metadata services answer); refused by --deny-link-local (on by default; "
         "--deny-link-local=false allows it)";
}

}  // namespace

void set_outbound_policy(OutboundPolicy policy) {
  std::lock_guard lock(policy_mutex());
  current() = std::move(policy);
}

OutboundPolicy outbound_policy() {
  std::lock_guard lock(policy_mutex());
  return current();
}

std::optional<std::string> refuse_url(const OutboundPolicy& policy, std::string_view url_text) {
  std::unique_ptr<CURLU, UrlHandle> url(curl_url());
  if (!url) return "cannot parse the URL (out of memory)";
  const std::string text(url_text);
  const auto parsed = curl_url_set(url.get(), CURLUPART_URL, text.c_str(),
                                   CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
  if (parsed != CURLUE_OK) {
    return std::string("not a valid URL (") + curl_url_strerror(parsed) + ")";
  }
  const std::string scheme = lower(part(url.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return "only http and https URLs are allowed, not " +
           (scheme.empty() ? std::string("a URL without a scheme") : scheme + "://");
  }
  std::string host = lower(part(url.get(), CURLUPART_HOST));
  if (host.empty()) return "the URL has no host";
  const auto ip = parse_ip(host);
  if (!ip) {
    while (!host.empty() && host.back() == '.') host.pop_back();
  }
  if (policy.deny_link_local && ip) {
    if (auto block = link_local_block(*ip))
      return link_local_refusal("the host " + host + " is", *block);
  }
  if (!policy.allowed_hosts.empty()) {
    const bool allowed =
        std::any_of(policy.allowed_hosts.begin(), policy.allowed_hosts.end(),
                    [&](const std::string& pattern) { return host_matches(pattern, host, ip); });
    if (!allowed) {
      std::string list;
      for (const auto& p : policy.allowed_hosts) list += (list.empty() ? "" : ", ") + p;
      return "the host " + host + " is not in --allowed-url-hosts (" + list + ")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> refuse_address(const OutboundPolicy& policy, const sockaddr& address) {
  if (!policy.deny_link_local) return std::nullopt;
  Ip ip;
  char shown[INET6_ADDRSTRLEN] = {};
  if (address.sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &address, sizeof v4);
    std::memcpy(ip.bytes.data(), &v4.sin_addr, 4);
    inet_ntop(AF_INET, &v4.sin_addr, shown, sizeof shown);
  } else if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &address, sizeof v6);
    ip.family = AF_INET6;
    std::memcpy(ip.bytes.data(), &v6.sin6_addr, 16);
    inet_ntop(AF_INET6, &v6.sin6_addr, shown, sizeof shown);
  } else {
    return std::nullopt;
  }
  if (auto block = link_local_block(ip)) {
    return link_local_refusal("the host resolves to " + std::string(shown) + ", which is", *block);
  }
  return std::nullopt;
}

std::optional<std::string> check_host_pattern(std::string_view pattern) {
  if (pattern.empty()) return "an empty host";
  if (auto block = parse_block(pattern); block && block->second < 0) {
    return "\"" + std::string(pattern) + "\" has an invalid prefix length";
  }
  if (pattern.find_first_of("/:@ ") != std::string_view::npos && !parse_block(pattern)) {
    return "\"" + std::string(pattern) +
           "\" is not a host name, *.domain, IP address or CIDR block (no scheme, port or path)";
  }
  return std::nullopt;
}

}  // namespace veer::http
