// An InfluxDB Flux answer (annotated CSV): the CSV reader and the values veer takes from it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/providers/annotated_csv.hpp"
#include "analysis/providers/influxdb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)veer::analysis::parse_annotated_csv(body, "fuzz");
  (void)veer::analysis::parse_influxdb_values(body, "fuzz");
  return 0;
}
