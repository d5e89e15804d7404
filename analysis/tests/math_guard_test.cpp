// Boost.Math's failures are error values: each class it raises (a domain error, an overflow, an
// iteration that does not converge) and each non-finite result, injected through real Boost calls,
// comes back from guard_math() as an error naming the test and its inputs' sizes; and the tests
// built on it return errors, never throw, on the inputs that made Boost fail.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "analysis/experiment/probability_best.hpp"
#include "analysis/stats/bayes_binomial.hpp"
#include "analysis/stats/mann_whitney.hpp"
#include "analysis/stats/math_guard.hpp"
#include "analysis/stats/welch.hpp"

namespace stats = veer::analysis::stats;
namespace ex = veer::analysis::experiment;

namespace {

const stats::MathContext kContext{"welch", stats::two_samples(12, 30)};

// The error of a guarded computation that must fail; "" (and a failed check) when it did not.
template <class F>
std::string error_of(F compute) {
  std::string out;
  CHECK_NOTHROW([&] {
    auto r = stats::guard_math(kContext, compute);
    CHECK_FALSE(r.ok());
    if (!r.ok()) out = r.error().message;
  }());
  return out;
}

bool has(const std::string& text, const std::string& part) {
  INFO(text);
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("every class of Boost math failure is an error naming the test and the sizes") {
  SUBCASE("a domain error: Student's t with negative degrees of freedom") {
    auto e = error_of([] { return boost::math::cdf(boost::math::students_t(-1.0), 0.5); });
    CHECK(has(e, "welch: an argument is outside the distribution's domain"));
    CHECK(has(e, "with 12 candidate and 30 baseline values"));
    CHECK_FALSE(has(e, "Error in function"));  // Boost's signature is left out, its reason kept
  }
  SUBCASE("a domain error: NaN degrees of freedom") {
    auto e = error_of([] { return boost::math::cdf(boost::math::students_t(std::nan("")), 0.5); });
    CHECK(has(e, "outside the distribution's domain"));
  }
  SUBCASE("an overflow: the gamma function of 200") {
    auto e = error_of([] { return boost::math::tgamma(200.0); });
    CHECK(has(e, "welch: a result overflows"));
  }
  SUBCASE("an overflow: the normal quantile of 0") {
    auto e = error_of([] { return boost::math::quantile(boost::math::normal(), 0.0); });
    CHECK(has(e, "a result overflows"));
  }
  SUBCASE("an iteration that does not converge") {
    auto e = error_of([] {
      return boost::math::policies::raise_evaluation_error<double>(
          "ibeta_inverse<%1%>", "no convergence after %1% iterations", 200.0,
          boost::math::policies::policy<>());
    });
    CHECK(has(e, "welch: a computation did not converge (no convergence after 200"));
  }
  SUBCASE("a NaN or infinite result") {
    auto nan = error_of([] { return stats::finite(std::nan(""), "t quantile"); });
    CHECK(has(nan, "welch: a result is not finite (t quantile is nan)"));
    auto inf = error_of([] { return stats::finite(std::numeric_limits<double>::infinity(), "p"); });
    CHECK(has(inf, "p is inf"));
  }
  SUBCASE("a finite result passes through") {
    auto r = stats::guard_math(kContext, [] { return stats::finite(0.25, "p"); });
    REQUIRE(r.ok());
    CHECK(*r == 0.25);
  }
}

TEST_CASE("the tests return errors, never throw, on values at the ends of a double") {
  const double max = std::numeric_limits<double>::max();
  SUBCASE("welch: means whose difference overflows") {
    CHECK_NOTHROW([&] {
      auto r = stats::welch({max, max * 0.99999}, {-max, -max * 0.99999});
      REQUIRE_FALSE(r.ok());
      CHECK(has(r.error().message, "welch"));
    }());
  }
  SUBCASE("mann-whitney: differences that overflow have no interval") {
    CHECK_NOTHROW([&] {
      auto r = stats::mann_whitney({max, max * 0.9, max * 0.8}, {-max, -max * 0.9, 0});
      REQUIRE_FALSE(r.ok());
      CHECK(has(r.error().message, "mann-whitney: a result is not finite"));
      CHECK(has(r.error().message, "with 3 candidate and 3 baseline values"));
    }());
  }
  SUBCASE("welch and mann-whitney: NaN values are refused before any Boost call") {
    CHECK_FALSE(stats::welch({1, std::nan(""), 3}, {1, 2, 3}).ok());
    CHECK_FALSE(stats::mann_whitney({1, 2}, {std::nan("")}).ok());
  }
}
