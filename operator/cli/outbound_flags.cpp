#include "operator/cli/outbound_flags.hpp"

#include <cctype>
#include <sstream>

namespace veer::cli {

void OutboundFlags::add_to(ArgParser& parser, bool concurrency) {
  parser
      .repeated("allowed-url-hosts", &allowed_hosts_, "HOSTS",
                "only call these hosts: names, *.domain suffixes, IP addresses or CIDR blocks, "
                "comma-separated or repeated (default: any host)")
      .flag("deny-link-local", &deny_link_local_,
            "refuse link-local hosts (169.254.0.0/16, fe80::/10, fd00:ec2::254), also when a name "
            "resolves to one (default on; --deny-link-local=false to allow)")
      .option("max-response-size", &max_response_size_, "SIZE",
              "largest answer accepted from a metrics API (default 8Mi; notifier and webhook "
              "replies stop at 64Ki)");
  if (concurrency) {
    parser.option("max-outbound-calls", &max_calls_, "N",
                  "outbound HTTP calls in flight at once; more wait for a slot within their "
                  "timeout (default " +
                      std::to_string(http::kDefaultMaxConcurrentCalls) + ")");
  }
}

std::optional<http::OutboundPolicy> OutboundFlags::policy(std::string& error) const {
  http::OutboundPolicy out;
  out.deny_link_local = deny_link_local_;
  for (const auto& list : allowed_hosts_) {
    std::istringstream items(list);
    std::string host;
    while (std::getline(items, host, ',')) {
      if (auto problem = http::check_host_pattern(host)) {
        error = "--allowed-url-hosts: " + *problem;
        return std::nullopt;
      }
      out.allowed_hosts.push_back(host);
    }
  }
  const auto size = parse_byte_size(max_response_size_);
  if (!size || *size < 1024) {
    error = "--max-response-size \"" + max_response_size_ +
            "\" is not a size of at least 1Ki (e.g. 8Mi, 512Ki, 1Gi)";
    return std::nullopt;
  }
  out.max_response_bytes = *size;
  try {
    std::size_t used = 0;
    out.max_concurrent_calls = std::stoi(max_calls_, &used);
    if (used != max_calls_.size() || out.max_concurrent_calls < 1) throw std::out_of_range("");
  } catch (const std::exception&) {
    error = "--max-outbound-calls \"" + max_calls_ + "\" is not a whole number >= 1";
    return std::nullopt;
  }
  return out;
}

std::optional<std::size_t> parse_byte_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  const std::size_t number = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.size() == 3 && unit[2] == 'B') unit.pop_back();  // "MiB" as "Mi"
  if (unit.empty()) return number;
  if (unit == "Ki") return number << 10;
  if (unit == "Mi") return number << 20;
  if (unit == "Gi") return number << 30;
  return std::nullopt;
}

}  // namespace veer::cli
