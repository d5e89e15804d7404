// A Datadog /api/v1/query answer, as veer reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/providers/datadog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)veer::analysis::parse_datadog_series(body, "fuzz");
  return 0;
}
