// The parts of an http:// URL the load generator connects to and asks for.
#pragma once

#include <string>

#include "base/result.hpp"

namespace veer::loadgen {

struct HttpUrl {
  std::string host;         // without brackets for an IPv6 literal
  std::string port;         // "80" when not given
  std::string target;       // path and query, "/" when not given
  std::string host_header;  // host[:port] as written
};

// Parses http://HOST[:PORT][/PATH][?QUERY]; https and anything else fail with the reason.
base::Outcome<HttpUrl> parse_http_url(const std::string& url);

}  // namespace veer::loadgen
