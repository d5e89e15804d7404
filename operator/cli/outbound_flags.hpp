// The outbound-call policy flags of the commands that call out (`veer operator`, `veer analyze`,
// `veer notify`): --allowed-url-hosts, --deny-link-local, --max-response-size and, for the
// operator, --max-outbound-calls. See http/outbound_policy.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/outbound_policy.hpp"
#include "operator/cli/args.hpp"

namespace veer::cli {

class OutboundFlags {
 public:
  // `concurrency`: also --max-outbound-calls (a long-running process makes calls in parallel).
  void add_to(ArgParser& parser, bool concurrency);
  // The policy the flags describe, or a usage error naming the flag.
  std::optional<http::OutboundPolicy> policy(std::string& error) const;

 private:
  std::vector<std::string> allowed_hosts_;  // repeated, each may be a comma-separated list
  bool deny_link_local_ = true;
  std::string max_response_size_ = "8Mi";
  std::string max_calls_ = std::to_string(http::kDefaultMaxConcurrentCalls);
};

// "8Mi", "512Ki", "1Gi" or a number of bytes; nothing when it is none of these.
std::optional<std::size_t> parse_byte_size(const std::string& text);

}  // namespace veer::cli
