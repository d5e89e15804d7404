// `veer stats compare` without the command line: reads a baseline and a candidate sample file
// and runs one comparison test on them, refusing samples too small for the test to mean
// anything. Separate from the CLI so the fuzz target (fuzz/targets/stats_input.cpp) runs it.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include "analysis/outcome.hpp"
#include "analysis/sample_file.hpp"
#include "analysis/verdict.hpp"
#include "model/canary.hpp"

namespace veer::analysis {

struct SampleInput {
  std::istream& in;
  std::string name;  // for messages: the path, or "<stdin>"
};

// Reads both files (numbers for mann-whitney and welch, `errors total` lines for the binomial
// tests) and compares the candidate with the baseline. An unreadable or too small sample is an
// error; a test that cannot decide (e.g. every value tied) is a NoData verdict with its reason.
Outcome<CheckResult> compare_sample_files(const model::Comparison& comparison, SampleInput baseline,
                                          SampleInput candidate, const SampleLimits& limits = {});

}  // namespace veer::analysis
