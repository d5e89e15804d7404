// doctest's main, plus skipped tests: a run in which nothing failed but a test case called
// veer::testing::skip_test exits with kSkipExitCode, so that CTest reports it as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "testing/skip.hpp"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || result != 0) return result;
  return veer::testing::test_skipped() ? veer::testing::kSkipExitCode : 0;
}
