// One look at an Experiment: from each version's cumulative counts and the previous look's state,
// judge every version's guardrails, its reward, the traffic split, and decide.
//
// The decision rule (docs/analysis.md, "Experiments"):
// - Guardrails, each at level alpha = 1 - confidence, not corrected across guardrails (a guardrail
//   protects users; its power is what must be planned): an absolute limit on a rate is proven
//   violated when the version's confidence sequence lies wholly beyond it and proven held when it
//   lies wholly inside; non-inferiority against the baseline (a margin) is veer's sequential
//   binomial test on the "bad" events (Fail: violated, Pass: holds). A version with a violated
//   guardrail fails: it cannot win, and (cutoffOnFailure) gets no traffic; rollbackOnFailure ends
//   the experiment.
// - Reward: each version's confidence sequence at alpha / K (K versions: the family is corrected
//   across versions, so all K hold at once with probability >= 1 - alpha). A version wins when its
//   guardrails all hold and its sequence lies wholly above (or below, lower-is-better) every other
//   live version's: then it is best with confidence >= `confidence`, at any look.
// - P(best) per version is reported, and used by the traffic strategies, not for the winner.
// - A sample-ratio mismatch (a version's requests are not the share veer set) withholds a winner.
// - Performance (load only): no reward and no winner; each version's guardrails (absolute limits)
//   are judged on their own, and the experiment ends once every version is proven to meet them
//   all or to miss one (anytime-valid, so stopping then is sound), or after the last look.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiment/assessment_state.hpp"
#include "analysis/experiment/counts.hpp"
#include "analysis/experiment/rate_sequence.hpp"
#include "analysis/outcome.hpp"
#include "model/experiment.hpp"

namespace veer::analysis::experiment {

struct Guardrail {
  std::string metric;
  std::optional<double> upper_limit;  // on the rate events / trials (0..1)
  std::optional<double> lower_limit;
  std::optional<double> relative_margin;  // non-inferiority against the baseline
  std::optional<double> absolute_margin;  // (one of the two), on the rate of "bad" events
  bool higher_is_better = false;          // bad events are trials - events when true
  bool rollback_on_failure = false;
};

struct RewardRule {
  std::string metric;
  bool higher_is_better = true;
};

struct AssessmentConfig {
  model::TestingPattern pattern = model::TestingPattern::ABNTesting;
  std::vector<std::string> versions;  // baseline first
  std::vector<Guardrail> guardrails;
  std::optional<RewardRule> reward;
  double confidence = 0.99;
  std::uint64_t min_request_count = 0;
  bool cutoff_on_failure = true;
  std::int32_t iterations = 10;
  stats::SampleRatioOptions sample_ratio;  // alpha is divided by the number of versions
};

enum class GuardrailVerdict { Unknown, Holds, Violated };

struct GuardrailAssessment {
  std::string metric;
  GuardrailVerdict verdict = GuardrailVerdict::Unknown;
  RatioCounts counts;
  RateInterval interval;          // the version's confidence sequence for the rate
  std::optional<double> e_value;  // non-inferiority: e-value against "no worse than allowed"
  std::string reason;             // why violated or held, in words
};

struct VersionAssessment {
  std::string name;
  bool judged = false;  // has minRequestCount requests
  bool failed = false;  // a guardrail was proven violated (now or before)
  bool live = true;     // takes part: not failed, or failed but cutoffOnFailure is off
  std::vector<GuardrailAssessment> guardrails;
  bool guardrails_hold = false;  // every guardrail proven to hold
  std::optional<RatioCounts> reward;
  RateInterval reward_interval;  // at alpha / K
  double probability_best = 0;
  bool sample_ratio_mismatch = false;
  double sample_ratio_e = 1;
};

// Met / Missed end a performance experiment: every version proven to meet every objective, or
// not (one proven to miss, or still unknown after the last look).
enum class Verdict { Continue, CutOff, Winner, Abort, NoWinner, Met, Missed };

struct Assessment {
  Verdict verdict = Verdict::Continue;
  std::string winner;                // with Verdict::Winner
  std::vector<std::string> cut_off;  // versions that failed at this look
  std::string reason;
  bool sample_ratio_mismatch = false;
  std::vector<VersionAssessment> versions;  // in the config's order
  AssessmentState state;                    // for the next look
};

// `counts`: every version's cumulative counts (any order). `weights`: the weights in effect since
// the previous look (empty on the first look: no split to check). Fails on counts that are
// impossible (events > trials), that went down since the previous look (a counter reset), or
// that name no version; the state is then left as it was.
Outcome<Assessment> assess(const AssessmentConfig& config, const AssessmentState& previous,
                           const std::vector<VersionCounts>& counts,
                           const std::map<std::string, std::int32_t>& weights);

bool is_final(Verdict verdict);
std::string_view to_string(Verdict verdict);  // continue | cut-off | winner | ...
// performance: "met" | "missed" | "unknown" for one version's objectives.
std::string_view objectives_word(const VersionAssessment& version);
std::string_view to_string(GuardrailVerdict verdict);  // unknown | holds | violated

// The evidence for status.evidence: the decision, the rule, each version's assessment, and the
// state for the next look (`state`).
nlohmann::json evidence_json(const AssessmentConfig& config, const Assessment& assessment);

}  // namespace veer::analysis::experiment
