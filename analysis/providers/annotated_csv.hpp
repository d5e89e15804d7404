// InfluxDB's annotated CSV (the Flux query API's response format): sections separated by blank
// lines, each with optional #datatype/#group/#default rows, a header row, then data rows. A series
// is one (result, table) pair; its values are the `_value` column.
#pragma once

#include <string>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis {

struct FluxCell {
  int line = 0;       // 1-based line of the row in the response, for messages
  std::string value;  // "" for null
};

struct FluxSeries {
  std::string result;           // the `result` column ("_result" by default)
  std::string table;            // the `table` column
  std::string datatype;         // #datatype of `_value` ("double", "long", ...; "" when absent)
  std::vector<FluxCell> cells;  // the `_value` of each row, in order
};

// Parses a response body. An in-band error table (columns `error`, `reference`), malformed CSV
// (an unclosed quote, a row whose width differs from its header) and a section without `_value`
// are errors naming `where` and the line.
Outcome<std::vector<FluxSeries>> parse_annotated_csv(const std::string& body,
                                                     const std::string& where);

}  // namespace veer::analysis
