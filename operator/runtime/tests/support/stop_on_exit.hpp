// Stops a started Manager when the test case leaves its scope, also when a REQUIRE fails.
#pragma once

#include "operator/runtime/manager.hpp"

namespace veer::runtime::testing {

struct StopOnExit {
  Manager& manager;
  ~StopOnExit() { manager.stop(); }
};

}  // namespace veer::runtime::testing
