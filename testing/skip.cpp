#include "testing/skip.hpp"

#include <atomic>
#include <iostream>

namespace veer::testing {

namespace {
std::atomic<bool> skipped{false};
}  // namespace

void skip_test(const std::string& why) {
  std::cerr << "SKIPPED: " << why << "\n";
  skipped = true;
}

bool test_skipped() {
  return skipped;
}

}  // namespace veer::testing
