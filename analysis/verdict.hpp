// What a check concludes, and the evidence a person needs to see why.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::analysis {

// Pass: within limits (or proven no worse). Fail: outside limits (or proven worse).
// Inconclusive: not enough evidence yet (keep observing). NoData: the source returned nothing
// usable (no series, NaN, an error): never a Pass.
enum class Verdict { Pass, Fail, Inconclusive, NoData };

const char* to_string(Verdict verdict);

// The worst of several verdicts: Fail, then NoData, then Inconclusive, then Pass (Pass when
// there are none). A Fail is evidence against the canary and is never hidden by missing data.
Verdict worst(const std::vector<Verdict>& verdicts);

struct Evidence {
  std::string
      test;  // "threshold", "mann-whitney", "welch", "sequential-binomial", "bayes-binomial"
  std::optional<double> statistic;
  std::optional<double> p_value;            // two-sided, H0: difference == margin
  std::optional<double> p_value_worse;      // one-sided: the candidate is worse than the margin
  std::optional<double> e_value;            // sequential: against "no worse than the margin"
  std::optional<double> probability_worse;  // bayes: P(candidate worse by more than the margin)
  std::optional<double> estimate;           // candidate - baseline (shift, difference)
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  std::optional<double> confidence;
  std::optional<double> margin;  // absolute, in the metric's unit (after a relative margin)
  std::optional<double> value;   // threshold checks: the canary's value
  std::optional<double> baseline_value;
  std::optional<double> n_baseline;
  std::optional<double> n_candidate;
  // The look's window (unix seconds) that the counts cover: (window_start, window_end].
  std::optional<double> window_start;
  std::optional<double> window_end;
  std::string samples;  // numeric tests: how the samples were formed ("batch means of 3 points")
  std::vector<std::string> queries;  // rendered queries, canary first
  std::string message;               // one line: why this verdict (the error for NoData)
};

struct CheckResult {
  std::string metric;  // the metric's name
  Verdict verdict = Verdict::NoData;
  Evidence evidence;
};

nlohmann::json to_json(const Evidence& evidence);
nlohmann::json to_json(const CheckResult& result);

}  // namespace veer::analysis
