#include <sstream>

#include <doctest/doctest.h>

#include "analysis/sample_compare.hpp"
#include "analysis/sample_file.hpp"
#include "analysis/stats/mann_whitney.hpp"

using veer::analysis::read_counts;
using veer::analysis::read_numbers;

TEST_CASE("numbers: one per line, blank lines and comments skipped") {
  std::istringstream in("# latency ms\n12.5\n\n 13 \r\n1e2\n");
  auto values = read_numbers(in, "b.txt");
  REQUIRE(values.ok());
  CHECK(*values == std::vector<double>{12.5, 13, 100});
}

TEST_CASE("a bad line or an empty file names the file and the line") {
  std::istringstream bad("1\n2\nabc\n");
  auto values = read_numbers(bad, "b.txt");
  REQUIRE_FALSE(values.ok());
  CHECK(values.error().message == "b.txt:3: \"abc\" is not a number (one finite number per line)");
  std::istringstream trailing("1 2\n");
  CHECK_FALSE(read_numbers(trailing, "b.txt").ok());
  std::istringstream nan("nan\n");
  CHECK_FALSE(read_numbers(nan, "b.txt").ok());
  std::istringstream empty("\n# nothing\n");
  values = read_numbers(empty, "empty.txt");
  REQUIRE_FALSE(values.ok());
  CHECK(values.error().message.find("empty.txt: the file is empty") == 0);
}

TEST_CASE("counts: `errors total` per line, errors never above total") {
  std::istringstream in("3 100\n0 50\n");
  auto counts = read_counts(in, "c.txt");
  REQUIRE(counts.ok());
  REQUIRE(counts->size() == 2);
  CHECK((*counts)[0].errors == 3);
  CHECK((*counts)[1].total == 50);
  std::istringstream more("5 4\n");
  auto bad = read_counts(more, "c.txt");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "c.txt:1: 5 errors is more than 4 requests");
  std::istringstream single("5\n");
  CHECK_FALSE(read_counts(single, "c.txt").ok());
  std::istringstream fraction("1.5 10\n");
  CHECK_FALSE(read_counts(fraction, "c.txt").ok());
}

TEST_CASE("numbers a double cannot hold are errors, not 0 or infinity") {
  for (const char* text : {"1e400\n", "-1e400\n", "1e-400\n", "-1e-400\n"}) {
    std::istringstream in(text);
    auto values = read_numbers(in, "b.txt");
    REQUIRE_FALSE(values.ok());
    CHECK(values.error().message.find("b.txt:1: ") == 0);
    CHECK(values.error().message.find("is out of the range of a double") != std::string::npos);
  }
  for (const char* text : {"inf\n", "-infinity\n", "nan\n", "NaN\n"}) {
    std::istringstream in(text);
    auto values = read_numbers(in, "b.txt");
    REQUIRE_FALSE(values.ok());
    CHECK(values.error().message.find("is not a finite number") != std::string::npos);
  }
  std::istringstream signs("+5\n-0.5\n1E3\n");
  auto values = read_numbers(signs, "b.txt");
  REQUIRE(values.ok());
  CHECK(*values == std::vector<double>{5, -0.5, 1000});
  std::istringstream last_line("1\n2");  // no final newline
  values = read_numbers(last_line, "b.txt");
  REQUIRE(values.ok());
  CHECK(values->size() == 2);
}

TEST_CASE("a file over the size limit is refused at the limit, newlines or not") {
  veer::analysis::SampleLimits limits;
  limits.max_file_bytes = 1 << 20;
  std::istringstream no_newline(std::string((1 << 20) + 1, '1'));
  auto values = read_numbers(no_newline, "big.txt", limits);
  REQUIRE_FALSE(values.ok());
  CHECK(values.error().message ==
        "big.txt: the file is larger than 1 MiB (veer stats reads at most that much)");
  std::string lines;
  while (lines.size() <= (1 << 20)) lines += "1\n";
  std::istringstream many(lines);
  CHECK_FALSE(read_numbers(many, "big.txt", limits).ok());
  std::istringstream fits(lines.substr(0, 1 << 20));
  CHECK(read_numbers(fits, "big.txt", limits).ok());
}

TEST_CASE("counts: the totals of a file are bounded so no sum can overflow") {
  veer::analysis::SampleLimits limits;
  limits.max_total = 100;
  std::istringstream in("1 60\n2 40\n0 1\n");
  auto counts = read_counts(in, "c.txt", limits);
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.error().message ==
        "c.txt:3: the file counts more than 100 requests in all, more than "
        "veer stats adds up");
  std::istringstream huge("0 18446744073709551615\n");
  CHECK_FALSE(read_counts(huge, "c.txt").ok());
  std::istringstream overflow("0 18446744073709551616\n");  // beyond uint64: not a count
  CHECK_FALSE(read_counts(overflow, "c.txt").ok());
  std::istringstream negative("-1 10\n");
  CHECK_FALSE(read_counts(negative, "c.txt").ok());
}

TEST_CASE("mann-whitney's smallest p-value is 1 / C(m+n, m)") {
  using veer::analysis::stats::smallest_mann_whitney_p;
  CHECK(smallest_mann_whitney_p(1, 8) == doctest::Approx(1.0 / 9));
  CHECK(smallest_mann_whitney_p(3, 3) == doctest::Approx(1.0 / 20));
  CHECK(smallest_mann_whitney_p(5, 5) == doctest::Approx(1.0 / 252));
  CHECK(smallest_mann_whitney_p(2, 2) == doctest::Approx(1.0 / 6));
}

TEST_CASE("compare_sample_files refuses a comparison the samples are too small for") {
  veer::model::Comparison comparison;
  comparison.test = veer::model::ComparisonTest::MannWhitney;
  comparison.alpha = 0.05;  // `veer stats compare`'s default (the Canary field's is 0.01)
  std::istringstream baseline("1\n2\n"), candidate("4\n5\n6\n");
  // 2 and 3 values: the smallest p is 1/10, never below alpha 0.05.
  auto result = veer::analysis::compare_sample_files(comparison, {baseline, "b"}, {candidate, "c"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message.find(
            "0.05: the smallest one-sided p-value so few values allow is 0.1;") !=
        std::string::npos);
  std::istringstream more_baseline("1\n2\n3\n0\n"), same_candidate("4\n5\n6\n");
  result =
      veer::analysis::compare_sample_files(comparison, {more_baseline, "b"}, {same_candidate, "c"});
  REQUIRE_MESSAGE(result.ok(), result.error());
  CHECK(result->verdict == veer::analysis::Verdict::Fail);
}
