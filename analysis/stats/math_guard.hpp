// The one place where Boost.Math's failures become error values. Its distributions and special
// functions throw on arguments outside their domain, on overflow and on iterations that do not
// converge (the Student-t quantile's ibeta_inverse did, for some degrees of freedom, found by
// fuzzing `veer stats compare`), and some return NaN or infinity instead. Every statistic runs
// its Boost calls inside guard_math(), so none of these is ever a crash or a silent number.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/math/policies/error_handling.hpp>

#include "analysis/outcome.hpp"

namespace veer::analysis::stats {

// What a guarded computation is: named in its error, with the sizes of its inputs.
struct MathContext {
  std::string_view test;  // "welch", "mann-whitney", ...
  std::string inputs;     // "12 candidate and 30 baseline values"
};

// "<candidate> candidate and <baseline> baseline <unit>".
std::string two_samples(std::uint64_t candidate, std::uint64_t baseline,
                        std::string_view unit = "values");

// Thrown by finite() inside guard_math(): Boost returned a value no test can use.
class NotFinite : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

// `value`, or NotFinite naming `what` when it is NaN or infinite. Only inside guard_math().
double finite(double value, std::string_view what);

// "<test>: <what> (<Boost's words>) with <inputs>".
Error math_error(const MathContext& context, std::string_view what, std::string_view detail);

// Runs `compute` (which returns a T) and turns every Boost.Math failure into an error naming the
// test and its inputs' sizes. Other exceptions (bad_alloc) are not Boost's and pass through.
template <class F>
auto guard_math(const MathContext& context, F&& compute) -> Outcome<std::invoke_result_t<F&>> {
  try {
    return compute();
  } catch (const NotFinite& e) {
    return math_error(context, "a result is not finite", e.what());
  } catch (const boost::math::evaluation_error& e) {
    return math_error(context, "a computation did not converge", e.what());
  } catch (const boost::math::rounding_error& e) {
    return math_error(context, "a result does not fit its type", e.what());
  } catch (const std::domain_error& e) {
    return math_error(context, "an argument is outside the distribution's domain", e.what());
  } catch (const std::overflow_error& e) {
    return math_error(context, "a result overflows", e.what());
  } catch (const std::underflow_error& e) {
    return math_error(context, "a result underflows", e.what());
  }
}

}  // namespace veer::analysis::stats
