#include "model/duration.hpp"

#include <cmath>
#include <cstdint>

namespace veer::model {

namespace {

// Nanoseconds per unit, or 0 for an unknown unit.
double unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    double value = 0;
    bool digits = false;
    while (i < text.size() && is_digit(text[i])) {
      value = value * 10 + (text[i] - '0');
      ++i;
      digits = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      double scale = 0.1;
      while (i < text.size() && is_digit(text[i])) {
        value += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.') ++i;
    double per_unit = unit_nanoseconds(text.substr(unit_start, i - unit_start));
    if (per_unit == 0) return std::nullopt;
    total += value * per_unit;
    text.remove_prefix(i);
  }
  if (total > 9.2e18) return std::nullopt;  // beyond int64 nanoseconds, as in Go
  auto ns = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text) {
  auto ns = parse_go_duration(text);
  if (!ns) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*ns);
}

std::string format_go_duration(std::chrono::milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  if (ms < 1000) return sign + std::to_string(ms) + "ms";
  std::string out = sign;
  std::int64_t hours = ms / 3'600'000;
  std::int64_t minutes = (ms / 60'000) % 60;
  std::int64_t seconds = (ms / 1000) % 60;
  std::int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(seconds);
  if (millis > 0) {
    std::string frac = std::to_string(millis + 1000).substr(1);  // zero-padded to 3 digits
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace veer::model
