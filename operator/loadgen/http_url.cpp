#include "operator/loadgen/http_url.hpp"

#include <cctype>

namespace veer::loadgen {

base::Outcome<HttpUrl> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return base::fail("https is not supported (the load generator speaks plain http)");
  if (url.rfind(scheme, 0) != 0) return base::fail("not an http:// URL");
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find_first_of("/?#");
  HttpUrl out;
  out.host_header = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (out.target[0] == '?') out.target = "/" + out.target;
  if (const auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (out.target.empty()) out.target = "/";
  if (out.host_header.find('@') != std::string::npos)
    return base::fail("user information in the URL is not supported");
  std::string port;
  if (!out.host_header.empty() && out.host_header[0] == '[') {
    const auto close = out.host_header.find(']');
    if (close == std::string::npos) return base::fail("an IPv6 address without its ']'");
    out.host = out.host_header.substr(1, close - 1);
    const std::string after = out.host_header.substr(close + 1);
    if (!after.empty() && after[0] != ':') return base::fail("text after the IPv6 address");
    port = after.empty() ? "" : after.substr(1);
  } else {
    const auto colon = out.host_header.find(':');
    out.host = out.host_header.substr(0, colon);
    if (colon != std::string::npos) port = out.host_header.substr(colon + 1);
  }
  if (out.host.empty()) return base::fail("no host");
  if (out.host_header.find(':') != std::string::npos && out.host_header[0] != '[' && port.empty())
    return base::fail("an empty port");
  if (!port.empty()) {
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return base::fail("port \"" + port + "\" is not a number");
    if (port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
      return base::fail("port " + port + " is outside 1..65535");
  }
  out.port = port.empty() ? "80" : port;
  return out;
}

}  // namespace veer::loadgen
