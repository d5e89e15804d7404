#include "analysis/sample_file.hpp"

#include <cmath>
#include <istream>
#include <sstream>

namespace veer::analysis {
namespace {

// Calls `parse(line, where)` for each line that holds data; stops at the first error.
template <class Parse>
Outcome<bool> each_line(std::istream& in, const std::string& name, Parse parse) {
  std::string line;
  int number = 0;
  bool any = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    any = true;
    if (auto error = parse(line, name + ":" + std::to_string(number)); !error.empty()) {
      return fail(error);
    }
  }
  if (!any) return fail(name + ": the file is empty (no data lines)");
  return true;
}

bool at_end(std::istringstream& in) {
  in >> std::ws;
  return in.eof();
}

}  // namespace

Outcome<std::vector<double>> read_numbers(std::istream& in, const std::string& name) {
  std::vector<double> values;
  auto read = each_line(in, name, [&](const std::string& line, const std::string& where) {
    std::istringstream fields(line);
    double value = 0;
    if (!(fields >> value) || !at_end(fields) || !std::isfinite(value)) {
      return where + ": \"" + line + "\" is not a number (one finite number per line)";
    }
    values.push_back(value);
    return std::string();
  });
  if (!read) return Error{read.error()};
  return values;
}

Outcome<std::vector<stats::Counts>> read_counts(std::istream& in, const std::string& name) {
  std::vector<stats::Counts> counts;
  auto read = each_line(in, name, [&](const std::string& line, const std::string& where) {
    std::istringstream fields(line);
    long long errors = -1, total = -1;
    if (!(fields >> errors >> total) || !at_end(fields) || errors < 0 || total < 0) {
      return where + ": \"" + line + "\" is not two non-negative integers `errors total`";
    }
    if (errors > total) {
      return where + ": " + std::to_string(errors) + " errors is more than " +
             std::to_string(total) + " requests";
    }
    counts.push_back({static_cast<std::uint64_t>(errors), static_cast<std::uint64_t>(total)});
    return std::string();
  });
  if (!read) return Error{read.error()};
  return counts;
}

}  // namespace veer::analysis
