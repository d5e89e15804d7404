// Listen addresses of the operator's servers (--listen, --dashboard-listen).
#pragma once

#include <optional>
#include <string>

namespace veer::cli {

struct Listen {
  std::string host;
  int port = 0;
};

// "HOST:PORT", ":PORT" (every interface) or "[v6]:PORT"; hosts are IP addresses or localhost.
// The error names `flag`.
std::optional<Listen> parse_listen(const std::string& flag, const std::string& text,
                                   std::string& error);

}  // namespace veer::cli
