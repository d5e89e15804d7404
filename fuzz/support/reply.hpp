// What the reply targets share: an HTTP answer made from fuzz input. The first two bytes choose
// the status (100..599, or 0 for "no answer"), the next byte the variant a target tries, the
// first line after them a header value, the rest the body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace veer::fuzz {

struct Reply {
  int status = 0;
  std::uint8_t variant = 0;
  std::string header;
  std::string body;
};

inline Reply reply_of(const std::uint8_t* data, std::size_t size) {
  Reply reply;
  if (size < 3) return reply;
  const unsigned code = (unsigned{data[0]} << 8) | data[1];
  reply.status = code % 501 == 500 ? 0 : 100 + static_cast<int>(code % 501);
  reply.variant = data[2];
  const std::string rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  const auto newline = rest.find('\n');
  reply.header = rest.substr(0, newline);
  if (newline != std::string::npos) reply.body = rest.substr(newline + 1);
  return reply;
}

}  // namespace veer::fuzz
