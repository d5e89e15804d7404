#include <sstream>

#include <doctest/doctest.h>

#include "analysis/sample_file.hpp"

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
  CHECK(values.error() == "b.txt:3: \"abc\" is not a number (one finite number per line)");
  std::istringstream trailing("1 2\n");
  CHECK_FALSE(read_numbers(trailing, "b.txt").ok());
  std::istringstream nan("nan\n");
  CHECK_FALSE(read_numbers(nan, "b.txt").ok());
  std::istringstream empty("\n# nothing\n");
  values = read_numbers(empty, "empty.txt");
  REQUIRE_FALSE(values.ok());
  CHECK(values.error().find("empty.txt: the file is empty") == 0);
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
  CHECK(bad.error() == "c.txt:1: 5 errors is more than 4 requests");
  std::istringstream single("5\n");
  CHECK_FALSE(read_counts(single, "c.txt").ok());
  std::istringstream fraction("1.5 10\n");
  CHECK_FALSE(read_counts(fraction, "c.txt").ok());
}
