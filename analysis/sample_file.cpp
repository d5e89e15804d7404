#include "analysis/sample_file.hpp"

#include <charconv>
#include <cmath>
#include <istream>
#include <system_error>

namespace veer::analysis {
namespace {

bool blank(char c) {
  return c == ' ' || c == '\t';
}

// The whitespace-separated fields of a line.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && blank(line[at])) ++at;
    const std::size_t start = at;
    while (at < line.size() && !blank(line[at])) ++at;
    if (at > start) fields.push_back(line.substr(start, at - start));
  }
  return fields;
}

std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

// Calls `parse(line, where)` for each line that holds data; stops at the first error. Reads in
// blocks, so a file without newlines is refused at the limit instead of being read whole.
template <class Parse>
Outcome<bool> each_line(std::istream& in, const std::string& name, const SampleLimits& limits,
                        Parse parse) {
  std::string pending;
  std::size_t bytes = 0;
  int number = 0;
  bool any = false;
  auto line_done = [&](std::string line) -> std::string {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') return {};
    any = true;
    return parse(line, name + ":" + std::to_string(number));
  };
  char block[1 << 16];
  while (in) {
    in.read(block, sizeof block);
    const auto got = static_cast<std::size_t>(in.gcount());
    bytes += got;
    if (bytes > limits.max_file_bytes) {
      return fail(name + ": the file is larger than " + mib(limits.max_file_bytes) +
                  " (veer stats reads at most that much)");
    }
    pending.append(block, got);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (auto error = line_done(pending.substr(start, nl - start)); !error.empty())
        return fail(error);
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) {
    if (auto error = line_done(pending); !error.empty()) return fail(error);
  }
  if (!any) return fail(name + ": the file is empty (no data lines)");
  return true;
}

// A field without the leading '+' that from_chars does not take ("+5" is 5, "+-5" stays wrong).
std::string_view unsigned_part(std::string_view field) {
  if (field.size() > 1 && field[0] == '+' && field[1] != '-' && field[1] != '+')
    field.remove_prefix(1);
  return field;
}

// A short, printable copy of a line for messages.
std::string quoted_line(std::string_view line) {
  std::string out = "\"";
  for (char c : line.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? '?' : c;
  }
  return out + (line.size() > 60 ? "...\"" : "\"");
}

}  // namespace

Outcome<std::vector<double>> read_numbers(std::istream& in, const std::string& name,
                                          const SampleLimits& limits) {
  std::vector<double> values;
  auto read = each_line(in, name, limits, [&](const std::string& line, const std::string& where) {
    const auto fields = fields_of(line);
    double value = 0;
    const auto field = fields.empty() ? std::string_view() : unsigned_part(fields.front());
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (fields.size() != 1 || (ec != std::errc() && ec != std::errc::result_out_of_range) ||
        end != field.data() + field.size()) {
      return where + ": " + quoted_line(line) + " is not a number (one finite number per line)";
    }
    if (ec == std::errc::result_out_of_range) {
      return where + ": " + quoted_line(field) +
             " is out of the range of a double (about 1e-308 to 1e308 in magnitude)";
    }
    if (!std::isfinite(value)) {
      return where + ": " + quoted_line(field) + " is not a finite number";
    }
    values.push_back(value);
    return std::string();
  });
  if (!read) return Error{read.error()};
  return values;
}

Outcome<std::vector<stats::Counts>> read_counts(std::istream& in, const std::string& name,
                                                const SampleLimits& limits) {
  std::vector<stats::Counts> counts;
  std::uint64_t sum = 0;
  auto read = each_line(in, name, limits, [&](const std::string& line, const std::string& where) {
    const auto fields = fields_of(line);
    std::uint64_t numbers[2] = {0, 0};
    bool ok = fields.size() == 2;
    for (std::size_t i = 0; ok && i < 2; ++i) {
      const auto field = unsigned_part(fields[i]);
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), numbers[i]);
      ok = ec == std::errc() && end == field.data() + field.size();
    }
    if (!ok)
      return where + ": " + quoted_line(line) + " is not two non-negative integers `errors total`";
    const auto [errors, total] = numbers;
    if (total > limits.max_total - sum) {
      return where + ": the file counts more than " + std::to_string(limits.max_total) +
             " requests in all, more than veer stats adds up";
    }
    sum += total;
    if (errors > total) {
      return where + ": " + std::to_string(errors) + " errors is more than " +
             std::to_string(total) + " requests";
    }
    counts.push_back({errors, total});
    return std::string();
  });
  if (!read) return Error{read.error()};
  return counts;
}

}  // namespace veer::analysis
