// Reading samples from text files for `veer stats compare`: one number per line, or one
// `errors total` pair per line (one line per interval). Errors name the file and the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/outcome.hpp"
#include "analysis/stats/bayes_binomial.hpp"

namespace veer::analysis {

struct SampleLimits {
  // Largest file read, as for every YAML or JSON file veer reads (model::ReadLimits): about
  // 4 million numbers, far more than any of the tests needs.
  std::size_t max_file_bytes = std::size_t{64} << 20;
  // Most requests counted in one file (the sum of its `total`s): 10^15, so that every sum the
  // binomial tests make stays exact in a double and far from overflowing.
  std::uint64_t max_total = 1'000'000'000'000'000;
};

// Blank lines and lines starting with '#' are skipped; an empty file is an error, and so is a
// file longer than the limit. Numbers are finite doubles: NaN, infinities and values a double
// cannot hold (1e400, and 1e-400, which is not 0) are errors naming the line.
Outcome<std::vector<double>> read_numbers(std::istream& in, const std::string& name,
                                          const SampleLimits& limits = {});
// Counts are integers with 0 <= errors <= total, and the totals add up to at most max_total.
Outcome<std::vector<stats::Counts>> read_counts(std::istream& in, const std::string& name,
                                                const SampleLimits& limits = {});

}  // namespace veer::analysis
