// A Prometheus /api/v1/query or /api/v1/query_range answer, as veer reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/providers/prometheus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)veer::analysis::parse_prometheus_instant(body, "fuzz");
  (void)veer::analysis::parse_prometheus_range(body, "fuzz");
  return 0;
}
