#include "operator/cli/listen.hpp"

#include <stdexcept>

namespace veer::cli {

std::optional<Listen> parse_listen(const std::string& flag, const std::string& text,
                                   std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    error = flag + " \"" + text + "\" is not HOST:PORT (e.g. :8080 or 127.0.0.1:0)";
    return std::nullopt;
  }
  Listen out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) out.host = "0.0.0.0";
  if (out.host == "localhost") out.host = "127.0.0.1";
  const auto port = text.substr(colon + 1);
  try {
    std::size_t used = 0;
    out.port = std::stoi(port, &used);
    if (used != port.size() || out.port < 0 || out.port > 65535) throw std::out_of_range(port);
  } catch (const std::exception&) {
    error = flag + " \"" + text + "\": the port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return out;
}

}  // namespace veer::cli
