// A Graphite /render?format=json answer, as veer reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/providers/graphite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)veer::analysis::parse_graphite_render(body, "fuzz");
  return 0;
}
