// A New Relic Insights answer (one value or a TIMESERIES), and the NRQL clause finder run on
// the same bytes as a query.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/providers/newrelic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)veer::analysis::parse_newrelic_value(body, "fuzz");
  (void)veer::analysis::parse_newrelic_series(body, "fuzz");
  (void)veer::analysis::nrql_has_clause(body, "SINCE");
  (void)veer::analysis::nrql_has_clause(body, "TIMESERIES");
  return 0;
}
