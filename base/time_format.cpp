#include "base/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace veer::base {
namespace {

std::string format(Clock::TimePoint t, bool micro) {
  using namespace std::chrono;
  auto seconds = floor<std::chrono::seconds>(t);
  auto micros = duration_cast<microseconds>(t - seconds).count();
  std::time_t tt = system_clock::to_time_t(time_point_cast<system_clock::duration>(seconds));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[40];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buffer, n);
  if (micro) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
    out += frac;
  }
  return out + "Z";
}

}  // namespace

std::string format_time(Clock::TimePoint t) {
  return format(t, false);
}
std::string format_micro_time(Clock::TimePoint t) {
  return format(t, true);
}

std::optional<Clock::TimePoint> parse_time(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::chrono::microseconds fraction{0};
  std::size_t pos = static_cast<std::size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {
    long long scale = 100000;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, scale /= 10)
      if (scale > 0) fraction += std::chrono::microseconds((text[pos] - '0') * scale);
  }
  if (pos >= text.size() || text.substr(pos) != "Z") return std::nullopt;
  std::time_t tt = timegm(&tm);
  return std::chrono::time_point_cast<Clock::Duration>(std::chrono::system_clock::from_time_t(tt) +
                                                       fraction);
}

}  // namespace veer::base
