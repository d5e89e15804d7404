// Go-style durations ("30s", "1m30s", "2m", "1h", "500ms"), the syntax Flagger's fields use.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace veer::model {

// Parses a Go duration: an optional sign, then one or more <decimal number><unit> pairs with
// units ns, us (or µs), ms, s, m, h; a bare "0" is zero. Returns nullopt on any other text.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// The same as parse_go_duration, truncated to milliseconds (the precision veer's fields use).
std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text);

// Formats like Go's time.Duration.String() restricted to h/m/s/ms: 90s -> "1m30s", 0 -> "0s",
// 500ms -> "500ms", 1500ms -> "1.5s".
std::string format_go_duration(std::chrono::milliseconds duration);

}  // namespace veer::model
