// doctest's main, plus two exit codes CTest needs:
// - skipped tests: a run in which nothing failed but a test case called
//   veer::testing::skip_test exits with kSkipExitCode, so that CTest reports it as skipped;
// - a name filter (CTest runs each discovered case as --test-case=NAME) that matches no case
//   fails: CTest's discovery splits names at ';', '[' and ']', and the piece it runs would
//   otherwise "pass" without running anything.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

#include "testing/skip.hpp"

namespace {

int g_cases_matched = -1;  // set at the end of the run

struct MatchCounter : doctest::IReporter {
  explicit MatchCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_cases_matched = static_cast<int>(stats.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("veer-match-counter", 1, MatchCounter);

bool has_name_filter(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--test-case=") || arg.starts_with("-tc=")) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || result != 0) return result;
  if (g_cases_matched == 0 && has_name_filter(argc, argv)) {
    std::fprintf(stderr,
                 "no test case matches the --test-case filter: a test name with ';', '[' or ']' "
                 "is split by CTest's discovery, so the case never runs; rename it\n");
    return 1;
  }
  return veer::testing::test_skipped() ? veer::testing::kSkipExitCode : 0;
}
