// Standard base64 (RFC 4648, section 4) as Kubernetes writes it: Secret data, kubeconfig
// *-data fields. Line breaks are skipped, as Go's decoder does; '=' may only end the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace veer::base {

// The decoded bytes, or nothing when `text` is not base64 (a character outside the alphabet, a
// '=' before the end, more than two of them, or a length that leaves a lone character).
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace veer::base
