#include "analysis/providers/annotated_csv.hpp"

#include <algorithm>
#include <optional>

namespace veer::analysis {
namespace {

struct Record {
  int line = 0;
  std::vector<std::string> fields;
  bool blank() const { return fields.size() == 1 && fields[0].empty(); }
};

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF.
Outcome<std::vector<Record>> split_records(const std::string& body, const std::string& where) {
  std::vector<Record> records;
  Record current{1, {""}};
  int line = 1;
  bool quoted = false;
  int quote_line = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (quoted) {
      if (c == '"' && i + 1 < body.size() && body[i + 1] == '"') {
        current.fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        current.fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
      quote_line = line;
    } else if (c == ',') {
      current.fields.emplace_back();
    } else if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      records.push_back(std::move(current));
      current = Record{++line, {""}};
    } else {
      current.fields.back() += c;
    }
  }
  if (quoted) {
    return fail(where + ": invalid CSV: the quote opened on line " + std::to_string(quote_line) +
                " is never closed");
  }
  if (!current.blank()) records.push_back(std::move(current));
  return records;
}

std::optional<std::size_t> column(const std::vector<std::string>& header, const std::string& name) {
  auto found = std::find(header.begin(), header.end(), name);
  if (found == header.end()) return std::nullopt;
  return static_cast<std::size_t>(found - header.begin());
}

std::string cell(const Record& row, std::optional<std::size_t> index,
                 const std::vector<std::string>& defaults) {
  if (!index) return "";
  const std::string& value = row.fields[*index];
  if (value.empty() && *index < defaults.size()) return defaults[*index];
  return value;
}

}  // namespace

Outcome<std::vector<FluxSeries>> parse_annotated_csv(const std::string& body,
                                                     const std::string& where) {
  auto records = split_records(body, where);
  if (!records) return Error{records.error()};
  std::vector<FluxSeries> series;
  std::vector<std::string> datatypes, defaults, header;
  int header_line = 0;
  bool in_section = false;  // a header has been read since the last blank line
  for (const auto& row : *records) {
    if (row.blank()) {
      in_section = false;
      datatypes.clear();
      defaults.clear();
      continue;
    }
    const std::string& first = row.fields[0];
    if (!first.empty() && first[0] == '#') {
      if (in_section) {  // annotations start a new section even without a blank line
        in_section = false;
        datatypes.clear();
        defaults.clear();
      }
      if (first == "#datatype") datatypes = row.fields;
      if (first == "#default") defaults = row.fields;
      continue;
    }
    if (!in_section) {
      header = row.fields;
      header_line = row.line;
      in_section = true;
      continue;
    }
    if (row.fields.size() != header.size()) {
      return fail(where + ": invalid CSV: line " + std::to_string(row.line) + " has " +
                  std::to_string(row.fields.size()) + " columns, its header (line " +
                  std::to_string(header_line) + ") has " + std::to_string(header.size()));
    }
    const auto error_column = column(header, "error");
    if (error_column && column(header, "reference")) {
      return fail(where + ": InfluxDB error: " + row.fields[*error_column]);
    }
    const auto value_column = column(header, "_value");
    if (!value_column) {
      return fail(where + ": the result on line " + std::to_string(header_line) +
                  " has no _value column; end the query with a single value, e.g. |> last()");
    }
    const std::string result = cell(row, column(header, "result"), defaults);
    const std::string table = cell(row, column(header, "table"), defaults);
    if (series.empty() || series.back().result != result || series.back().table != table) {
      FluxSeries next;
      next.result = result;
      next.table = table;
      if (*value_column < datatypes.size()) next.datatype = datatypes[*value_column];
      series.push_back(std::move(next));
    }
    series.back().cells.push_back({row.line, cell(row, value_column, defaults)});
  }
  return series;
}

}  // namespace veer::analysis
