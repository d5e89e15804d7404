#include <doctest/doctest.h>

#include "model/duration.hpp"

using namespace std::chrono_literals;
using veer::model::format_go_duration;
using veer::model::parse_duration_ms;
using veer::model::parse_go_duration;

TEST_CASE("Go durations parse like Go's time.ParseDuration") {
  CHECK(parse_duration_ms("30s") == 30s);
  CHECK(parse_duration_ms("1m30s") == 90s);
  CHECK(parse_duration_ms("2m") == 2min);
  CHECK(parse_duration_ms("1h") == 1h);
  CHECK(parse_duration_ms("500ms") == 500ms);
  CHECK(parse_duration_ms("1.5h") == 90min);
  CHECK(parse_duration_ms("0") == 0ms);
  CHECK(parse_duration_ms("-5s") == -5s);
  CHECK(parse_go_duration("1us") == std::chrono::nanoseconds(1000));
  CHECK(parse_go_duration("2h45m10.5s") == 2h + 45min + 10500ms);
}

TEST_CASE("text that is not a Go duration is rejected") {
  for (const char* bad : {"", "30", "s", "1x", "1m 30s", "abc", "1.s.", "5 m", "-", "1d"})
    CHECK_MESSAGE(!parse_go_duration(bad), bad);
}

TEST_CASE("durations format back the way Go prints them") {
  CHECK(format_go_duration(0ms) == "0s");
  CHECK(format_go_duration(500ms) == "500ms");
  CHECK(format_go_duration(1500ms) == "1.5s");
  CHECK(format_go_duration(90s) == "1m30s");
  CHECK(format_go_duration(1h) == "1h0m0s");
  CHECK(format_go_duration(60s) == "1m0s");
  for (std::chrono::milliseconds d : {0ms, 250ms, 1500ms, 59000ms, 61000ms, 3600001ms, 86400000ms})
    CHECK(parse_duration_ms(format_go_duration(d)) == d);
}
