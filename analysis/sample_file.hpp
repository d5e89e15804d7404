// Reading samples from text files for `veer stats compare`: one number per line, or one
// `errors total` pair per line (one line per interval). Errors name the file and the line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/outcome.hpp"
#include "analysis/stats/bayes_binomial.hpp"

namespace veer::analysis {

// Blank lines and lines starting with '#' are skipped; an empty file is an error.
Outcome<std::vector<double>> read_numbers(std::istream& in, const std::string& name);
Outcome<std::vector<stats::Counts>> read_counts(std::istream& in, const std::string& name);

}  // namespace veer::analysis
