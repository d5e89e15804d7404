// Kubernetes timestamps: metav1.Time ("2006-01-02T15:04:05Z") and metav1.MicroTime
// ("2006-01-02T15:04:05.000000Z"), always UTC.
#pragma once

#include <optional>
#include <string>

#include "base/clock.hpp"

namespace veer::base {

std::string format_time(Clock::TimePoint t);
std::string format_micro_time(Clock::TimePoint t);
// Reads either form (and fractional seconds of any length); nullopt when it is neither.
std::optional<Clock::TimePoint> parse_time(const std::string& text);

}  // namespace veer::base
