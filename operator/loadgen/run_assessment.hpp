// The verdicts of one `veer experiment run`: each URL's SLOs, and with two or more URLs each
// candidate (the second URL on) compared with the baseline (the first) by veer's comparison tests.
#pragma once

#include <string>
#include <vector>

#include "analysis/verdict.hpp"
#include "operator/loadgen/load_generator.hpp"
#include "operator/loadgen/slo.hpp"

namespace veer::loadgen {

// How the run was made, as the output and the report show it.
struct RunSettings {
  double qps = 0;
  double duration_seconds = 0;
  int connections = 0;
  double confidence = 0.95;
  double relative_margin = 0.1;
};

struct SloResult {
  std::size_t url = 0;  // index into LoadReport::urls
  Slo slo;
  SloAssessment assessment;
};

struct Comparison {
  std::size_t candidate = 0;  // index into LoadReport::urls; the baseline is 0
  std::string metric;         // "error-rate" (sequential binomial) or "latency" (Mann-Whitney)
  analysis::CheckResult result;
};

struct RunAssessment {
  std::vector<SloResult> slos;
  std::vector<Comparison> comparisons;
  // Every SLO passed, every URL could be loaded, and no candidate was proven worse.
  bool passed = true;
};

// `relative_margin`: how much worse than the baseline a candidate may be (0.1 = 10%) before a
// comparison counts it worse.
// A comparison's verdict for people: "worse" (Fail), "pass", "inconclusive", "no-data".
const char* comparison_word(analysis::Verdict verdict);

RunAssessment assess_run(const LoadReport& report, const std::vector<Slo>& slos, double confidence,
                         double relative_margin);

}  // namespace veer::loadgen
