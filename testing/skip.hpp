// Skipped tests are reported as skipped, never as passed: a test case that cannot run here (no
// API server configured, say) calls skip_test, and the test binary exits with kSkipExitCode when
// nothing failed, which CTest shows as "Skipped" (SKIP_RETURN_CODE, set in cmake/VeerPart.cmake).
// CTest runs one test case per process, so the code belongs to that case.
#pragma once

#include <string>

namespace veer::testing {

inline constexpr int kSkipExitCode = 77;

// Says why (on stderr) and marks the running test binary as having skipped something. The caller
// returns from the test case afterwards.
void skip_test(const std::string& why);

// Whether skip_test was called in this process.
bool test_skipped();

}  // namespace veer::testing
