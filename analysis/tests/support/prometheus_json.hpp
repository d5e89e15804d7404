// Prometheus HTTP API response bodies for tests (the shapes /api/v1/query and query_range return).
#pragma once

#include <string>
#include <vector>

namespace veer::analysis::testdata {

// A single-series instant vector holding `value`.
inline std::string prometheus_vector(double value) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)"
         R"({"metric":{},"value":[1700000000,")" +
         std::to_string(value) + R"("]}]}})";
}

inline std::string prometheus_empty_vector() {
  return R"({"status":"success","data":{"resultType":"vector","result":[]}})";
}

// A single-series matrix with one point per value, a second apart.
inline std::string prometheus_matrix(const std::vector<double>& values) {
  std::string points;
  for (std::size_t i = 0; i < values.size(); ++i) {
    points += (i ? ",[" : "[") + std::to_string(i) + ",\"" + std::to_string(values[i]) + "\"]";
  }
  return R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[)" +
         points + "]}]}}";
}

}  // namespace veer::analysis::testdata
