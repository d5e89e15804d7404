#include "analysis/stats/math_guard.hpp"

#include <cmath>

namespace veer::analysis::stats {
namespace {

// Boost's messages start with the function ("Error in function
// boost::math::students_t_distribution<double>::students_t_distribution: Degrees of freedom
// argument is -1, but must be > 0 !"); its reason is what helps.
std::string_view reason_of(std::string_view detail) {
  constexpr std::string_view kPrefix = "Error in function ";
  if (detail.substr(0, kPrefix.size()) != kPrefix) return detail;
  const auto colon = detail.find(": ", kPrefix.size());
  return colon == std::string_view::npos ? detail : detail.substr(colon + 2);
}

}  // namespace

double finite(double value, std::string_view what) {
  if (!std::isfinite(value)) throw NotFinite(std::string(what) + " is " + std::to_string(value));
  return value;
}

Error math_error(const MathContext& context, std::string_view what, std::string_view detail) {
  std::string out(context.test);
  out += ": ";
  out += what;
  if (const auto reason = reason_of(detail); !reason.empty()) {
    out += " (";
    out += reason;
    out += ")";
  }
  out += " with " + context.inputs;
  return fail(std::move(out));
}

std::string two_samples(std::uint64_t candidate, std::uint64_t baseline, std::string_view unit) {
  return std::to_string(candidate) + " candidate and " + std::to_string(baseline) + " baseline " +
         std::string(unit);
}

}  // namespace veer::analysis::stats
