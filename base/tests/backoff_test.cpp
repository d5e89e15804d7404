#include "base/backoff.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;

TEST_CASE("backoff doubles from the first delay and stops at the cap") {
  using veer::base::backoff;
  CHECK(backoff(100ms, 5000ms, 0) == 100ms);
  CHECK(backoff(100ms, 5000ms, 1) == 200ms);
  CHECK(backoff(100ms, 5000ms, 5) == 3200ms);
  CHECK(backoff(100ms, 5000ms, 6) == 5000ms);
  CHECK(backoff(100ms, 5000ms, 1000) == 5000ms);  // no overflow however many failures
  CHECK(backoff(10s, 5s, 0) == 5s);               // a first delay above the cap is capped
}
