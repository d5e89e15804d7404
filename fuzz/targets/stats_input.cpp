// `veer stats compare` input files: the first byte chooses the test and direction, the rest is
// a baseline file and a candidate file separated by a line "---"; both go through the readers,
// the small-sample checks and the comparison the command runs.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "analysis/sample_compare.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using veer::model::ComparisonTest;
  static const ComparisonTest tests[] = {ComparisonTest::MannWhitney, ComparisonTest::Welch,
                                         ComparisonTest::BayesBinomial,
                                         ComparisonTest::SequentialBinomial};
  veer::model::Comparison comparison;
  comparison.test = tests[data[0] % 4];
  comparison.direction =
      data[0] & 4 ? veer::model::Direction::HigherIsBetter : veer::model::Direction::LowerIsBetter;
  if (data[0] & 8) comparison.relative_margin = 0.1;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto split = text.find("\n---\n");
  std::istringstream baseline(text.substr(0, split));
  std::istringstream candidate(split == std::string::npos ? "" : text.substr(split + 5));
  // Small limits, so the fuzzer reaches the size and sum checks with small inputs.
  veer::analysis::SampleLimits limits;
  limits.max_file_bytes = 2048;
  limits.max_total = 1'000'000;
  (void)veer::analysis::compare_sample_files(comparison, {baseline, "baseline"},
                                             {candidate, "candidate"}, limits);
  return 0;
}
