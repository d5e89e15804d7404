#include "analysis/experiment/assessment.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/experiment/probability_best.hpp"
#include "analysis/sequential_status.hpp"

namespace veer::analysis::experiment {

namespace {

using nlohmann::json;

std::string percent(double rate) {
  std::ostringstream out;
  out.precision(4);
  out << rate * 100 << "%";
  return out.str();
}

std::uint64_t bad_events(const RatioCounts& c, bool higher_is_better) {
  return higher_is_better ? c.trials - c.events : c.events;
}

// Checks the counts and returns them in the config's order.
Outcome<std::vector<VersionCounts>> ordered_counts(const AssessmentConfig& config,
                                                   const AssessmentState& previous,
                                                   const std::vector<VersionCounts>& counts) {
  std::vector<VersionCounts> out(config.versions.size());
  std::vector<bool> seen(config.versions.size(), false);
  for (const auto& c : counts) {
    auto it = std::find(config.versions.begin(), config.versions.end(), c.name);
    if (it == config.versions.end()) return fail("counts for unknown version \"" + c.name + "\"");
    auto i = static_cast<std::size_t>(it - config.versions.begin());
    for (const auto& [metric, m] : c.metrics)
      if (m.events > m.trials)
        return fail("version " + c.name + ", metric " + metric + ": " + std::to_string(m.events) +
                    " events out of " + std::to_string(m.trials) + " trials");
    if (i < previous.versions.size()) {
      const auto& last = previous.versions[i].last;
      if (c.requests < last.requests)
        return fail("version " + c.name + ": requests went down from " +
                    std::to_string(last.requests) + " to " + std::to_string(c.requests) +
                    " (counts must be cumulative since the experiment started)");
      for (const auto& [metric, m] : last.metrics) {
        auto now = c.metrics.find(metric);
        if (now != c.metrics.end() &&
            (now->second.events < m.events || now->second.trials < m.trials))
          return fail("version " + c.name + ", metric " + metric +
                      ": counts went down since the previous look (must be cumulative)");
      }
    }
    out[i] = c;
    seen[i] = true;
  }
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) return fail("no counts for version \"" + config.versions[i] + "\"");
  return out;
}

GuardrailVerdict combine(GuardrailVerdict a, GuardrailVerdict b) {
  if (a == GuardrailVerdict::Violated || b == GuardrailVerdict::Violated)
    return GuardrailVerdict::Violated;
  if (a == GuardrailVerdict::Holds && b == GuardrailVerdict::Holds) return GuardrailVerdict::Holds;
  return GuardrailVerdict::Unknown;
}

// The absolute limits, judged on the version's confidence sequence.
GuardrailVerdict judge_limits(const Guardrail& g, const RateInterval& ci, std::string& reason) {
  GuardrailVerdict out = GuardrailVerdict::Holds;
  if (g.upper_limit) {
    if (ci.low > *g.upper_limit) {
      reason = "rate above the upper limit " + percent(*g.upper_limit) + " (at least " +
               percent(ci.low) + ")";
      return GuardrailVerdict::Violated;
    }
    if (ci.high > *g.upper_limit) out = GuardrailVerdict::Unknown;
  }
  if (g.lower_limit) {
    if (ci.high < *g.lower_limit) {
      reason = "rate below the lower limit " + percent(*g.lower_limit) + " (at most " +
               percent(ci.high) + ")";
      return GuardrailVerdict::Violated;
    }
    if (ci.low < *g.lower_limit) out = GuardrailVerdict::Unknown;
  }
  return out;
}

stats::SequentialOptions sequential_options(const AssessmentConfig& config, const Guardrail& g) {
  stats::SequentialOptions o;
  o.alpha = 1 - config.confidence;
  o.relative_margin = g.relative_margin;
  o.absolute_margin = g.absolute_margin;
  return o;
}

bool has_margin(const Guardrail& g) {
  return g.relative_margin.has_value() || g.absolute_margin.has_value();
}

bool better(double a, double b, bool higher_is_better) {
  return higher_is_better ? a > b : a < b;
}

// Performance: each version on its own; the end once every version is decided, or at the last
// look (a version still unknown then misses: it was not shown to meet its objectives).
void judge_performance(const AssessmentConfig& config, Assessment& out) {
  std::map<std::string_view, std::string> words;  // objectives_word -> "a, b"
  for (std::size_t i = 0; i < out.versions.size(); ++i) {
    const auto& v = out.versions[i];
    auto& names = words[objectives_word(v)];
    names += (names.empty() ? "" : ", ") + v.name;
    if (v.failed) names += " (" + out.state.versions[i].failed_reason + ")";
  }
  std::string summary;
  static constexpr std::pair<std::string_view, const char*> kLabels[] = {
      {"met", "meet"}, {"missed", "miss"}, {"unknown", "not yet proven"}};
  for (const auto& [word, label] : kLabels) {
    if (!words.count(word)) continue;
    summary += (summary.empty() ? "" : "; ") + std::string(label) + ": " + words[word];
  }
  const bool decided = !words.count("unknown");
  const bool last_look = out.state.looks >= config.iterations;
  if (decided || last_look) {
    out.verdict = decided && !words.count("missed") ? Verdict::Met : Verdict::Missed;
    out.reason = (out.verdict == Verdict::Met ? "every version meets every objective: "
                                              : "not every version meets every objective: ") +
                 summary;
    if (!decided) out.reason += " (after " + std::to_string(out.state.looks) + " looks)";
    return;
  }
  out.verdict = out.cut_off.empty() ? Verdict::Continue : Verdict::CutOff;
  out.reason = summary;
}

}  // namespace

bool is_final(Verdict verdict) {
  return verdict == Verdict::Winner || verdict == Verdict::Abort || verdict == Verdict::NoWinner ||
         verdict == Verdict::Met || verdict == Verdict::Missed;
}

std::string_view objectives_word(const VersionAssessment& v) {
  if (v.failed) return "missed";
  return v.judged && v.guardrails_hold ? "met" : "unknown";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Continue:
      return "continue";
    case Verdict::CutOff:
      return "cut-off";
    case Verdict::Winner:
      return "winner";
    case Verdict::Abort:
      return "abort";
    case Verdict::NoWinner:
      return "no-winner";
    case Verdict::Met:
      return "met";
    case Verdict::Missed:
      return "missed";
  }
  return "continue";
}

std::string_view to_string(GuardrailVerdict verdict) {
  switch (verdict) {
    case GuardrailVerdict::Unknown:
      return "unknown";
    case GuardrailVerdict::Holds:
      return "holds";
    case GuardrailVerdict::Violated:
      return "violated";
  }
  return "unknown";
}

Outcome<Assessment> assess(const AssessmentConfig& config, const AssessmentState& previous,
                           const std::vector<VersionCounts>& counts,
                           const std::map<std::string, std::int32_t>& weights) {
  if (!(config.confidence > 0.5 && config.confidence < 1))
    return fail("confidence must be in (0.5, 1), got " + std::to_string(config.confidence));
  if (config.versions.empty()) return fail("an experiment needs at least a baseline");
  auto ordered = ordered_counts(config, previous, counts);
  if (!ordered) return fail(ordered.error().message);
  const auto& now = *ordered;
  const std::size_t k = config.versions.size();
  const double alpha = 1 - config.confidence;

  Assessment out;
  out.state.looks = previous.looks + 1;
  out.state.versions.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    auto& s = out.state.versions[i];
    if (i < previous.versions.size() && previous.versions[i].name == config.versions[i])
      s = previous.versions[i];
    s.name = config.versions[i];
    s.last.name = s.name;
  }
  // The counts of the previous look, for this look's increments (the state's are overwritten).
  std::vector<VersionCounts> before;
  for (const auto& v : out.state.versions) before.push_back(v.last);
  auto last_of = [&](std::size_t i, const std::string& metric) {
    const auto& m = before[i].metrics;
    auto it = m.find(metric);
    return it == m.end() ? RatioCounts{} : it->second;
  };

  // The traffic split: each version's requests since the previous look against its weight.
  std::uint64_t interval_total = 0;
  for (std::size_t i = 0; i < k; ++i) interval_total += now[i].requests - before[i].requests;
  stats::SampleRatioOptions srm = config.sample_ratio;
  srm.alpha = config.sample_ratio.alpha / static_cast<double>(k);
  for (std::size_t i = 0; i < k && !weights.empty() && interval_total > 0; ++i) {
    auto w = weights.find(config.versions[i]);
    if (w == weights.end() || w->second <= 0 || w->second >= 100) continue;
    auto mine = now[i].requests - before[i].requests;
    auto updated = stats::sample_ratio_update(out.state.versions[i].sample_ratio, w->second / 100.0,
                                              mine, interval_total - mine, srm);
    if (!updated) return fail("version " + config.versions[i] + ": " + updated.error().message);
    out.state.versions[i].sample_ratio = *updated;
  }

  // Guardrails.
  out.versions.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    auto& v = out.versions[i];
    auto& s = out.state.versions[i];
    v.name = config.versions[i];
    v.judged = now[i].requests >= config.min_request_count;
    v.sample_ratio_mismatch = s.sample_ratio.mismatch;
    v.sample_ratio_e = std::exp(stats::sample_ratio_log_e(s.sample_ratio, srm));
    out.sample_ratio_mismatch = out.sample_ratio_mismatch || v.sample_ratio_mismatch;
    v.guardrails_hold = true;
    for (const auto& g : config.guardrails) {
      GuardrailAssessment ga;
      ga.metric = g.metric;
      auto found = now[i].metrics.find(g.metric);
      if (found == now[i].metrics.end()) {
        ga.reason = "no counts for this metric";
        v.guardrails.push_back(ga);
        v.guardrails_hold = false;
        continue;
      }
      ga.counts = found->second;
      ga.interval = rate_confidence_sequence(ga.counts.events, ga.counts.trials, alpha);
      GuardrailVerdict verdict = GuardrailVerdict::Holds;
      if (g.upper_limit || g.lower_limit) verdict = judge_limits(g, ga.interval, ga.reason);
      if (has_margin(g) && i > 0) {
        // Non-inferiority: this look's bad events of the version against the baseline's.
        auto base_now = now[0].metrics.find(g.metric);
        if (base_now == now[0].metrics.end()) {
          verdict = combine(verdict, GuardrailVerdict::Unknown);
        } else {
          auto mine_last = last_of(i, g.metric);
          auto base_last = last_of(0, g.metric);
          stats::IntervalCounts interval{
              bad_events(ga.counts, g.higher_is_better) - bad_events(mine_last, g.higher_is_better),
              ga.counts.trials - mine_last.trials,
              bad_events(base_now->second, g.higher_is_better) -
                  bad_events(base_last, g.higher_is_better),
              base_now->second.trials - base_last.trials};
          auto options = sequential_options(config, g);
          auto updated = stats::sequential_update(s.non_inferiority[g.metric], interval, options);
          if (!updated)
            return fail("version " + v.name + ", metric " + g.metric + ": " +
                        updated.error().message);
          s.non_inferiority[g.metric] = *updated;
          ga.e_value = stats::sequential_e_value(*updated);
          auto d = stats::sequential_decision(*updated, options);
          auto ni = d == stats::SequentialDecision::Fail   ? GuardrailVerdict::Violated
                    : d == stats::SequentialDecision::Pass ? GuardrailVerdict::Holds
                                                           : GuardrailVerdict::Unknown;
          if (ni == GuardrailVerdict::Violated && verdict != GuardrailVerdict::Violated)
            ga.reason = "proven worse than the baseline beyond the margin (e-value " +
                        std::to_string(*ga.e_value) + ")";
          verdict = combine(verdict, ni);
        }
      }
      if (!v.judged) verdict = GuardrailVerdict::Unknown;
      ga.verdict = verdict;
      if (verdict == GuardrailVerdict::Violated && !s.failed) {
        s.failed = true;
        s.failed_reason = g.metric + ": " + ga.reason;
        out.cut_off.push_back(v.name);
        if (g.rollback_on_failure && out.verdict != Verdict::Abort) {
          out.verdict = Verdict::Abort;
          out.reason =
              v.name + " failed guardrail " + g.metric + " (rollbackOnFailure): " + ga.reason;
        }
      }
      if (verdict != GuardrailVerdict::Holds) v.guardrails_hold = false;
      v.guardrails.push_back(ga);
    }
    v.failed = s.failed;
    v.live = !(s.failed && config.cutoff_on_failure);
    if (v.failed) v.guardrails_hold = false;
    s.last = now[i];
    s.last.name = v.name;
  }

  // Reward: per-version confidence sequences at alpha / K, and P(best).
  if (config.reward) {
    std::vector<PosteriorCounts> posterior(k);
    for (std::size_t i = 0; i < k; ++i) {
      auto found = now[i].metrics.find(config.reward->metric);
      auto& v = out.versions[i];
      if (found != now[i].metrics.end()) {
        v.reward = found->second;
        v.reward_interval = rate_confidence_sequence(found->second.events, found->second.trials,
                                                     alpha / static_cast<double>(k));
        posterior[i] = {found->second.events, found->second.trials, !v.failed};
      } else {
        posterior[i] = {0, 0, !v.failed};
      }
    }
    auto p = probability_best(posterior, config.reward->higher_is_better);
    if (!p) return Error{p.error()};
    for (std::size_t i = 0; i < k; ++i) out.versions[i].probability_best = (*p)[i];
  }

  if (out.verdict == Verdict::Abort) return out;
  using model::TestingPattern;
  if (config.pattern == TestingPattern::Performance) {
    judge_performance(config, out);
    return out;
  }

  // The winner, by testing pattern.
  std::string candidate_winner;
  std::string waiting;
  if (config.pattern == TestingPattern::Conformance || config.pattern == TestingPattern::Canary) {
    const auto& v =
        config.pattern == TestingPattern::Conformance || k < 2 ? out.versions[0] : out.versions[1];
    if (v.failed) {
      out.verdict = Verdict::NoWinner;
      out.reason =
          v.name + " failed: " + out.state.versions[&v - out.versions.data()].failed_reason;
      return out;
    }
    if (v.guardrails_hold && v.judged)
      candidate_winner = v.name;
    else
      waiting = v.name + ": guardrails not yet proven to hold";
  } else if (!config.reward) {
    waiting = "no reward to pick a winner by";
  } else {
    const bool higher = config.reward->higher_is_better;
    std::size_t best = k;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& v = out.versions[i];
      if (v.failed || !v.reward) continue;
      double rate = v.reward->trials ? static_cast<double>(v.reward->events) / v.reward->trials : 0;
      if (best == k) {
        best = i;
        continue;
      }
      const auto& b = *out.versions[best].reward;
      double best_rate = b.trials ? static_cast<double>(b.events) / b.trials : 0;
      if (better(rate, best_rate, higher)) best = i;
    }
    if (best == k) {
      out.verdict = Verdict::NoWinner;
      out.reason = "every version failed a guardrail";
      return out;
    }
    const auto& b = out.versions[best];
    bool separated = true;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& v = out.versions[i];
      if (i == best || v.failed) continue;
      if (!v.reward || !v.judged) {
        separated = false;
        break;
      }
      separated = separated && (higher ? b.reward_interval.low > v.reward_interval.high
                                       : b.reward_interval.high < v.reward_interval.low);
    }
    if (!b.judged || !b.guardrails_hold)
      waiting = b.name + " leads; its guardrails are not yet proven to hold";
    else if (!separated)
      waiting =
          b.name + " leads, not yet best with confidence " + std::to_string(config.confidence);
    else
      candidate_winner = b.name;
  }
  if (!candidate_winner.empty() && out.sample_ratio_mismatch) {
    waiting = candidate_winner +
              " would win, but a version's share of requests is not the weight set "
              "(sample-ratio mismatch): the counts may be biased";
    candidate_winner.clear();
  }
  if (!candidate_winner.empty()) {
    out.verdict = Verdict::Winner;
    out.winner = candidate_winner;
    out.reason = candidate_winner + " is the winner: guardrails hold" +
                 (config.reward && config.pattern != TestingPattern::Canary &&
                          config.pattern != TestingPattern::Conformance
                      ? " and best on " + config.reward->metric + " with confidence " +
                            std::to_string(config.confidence)
                      : "");
    return out;
  }
  if (out.state.looks >= config.iterations) {
    out.verdict = Verdict::NoWinner;
    out.reason = "no winner after " + std::to_string(out.state.looks) + " iterations: " + waiting;
    return out;
  }
  out.verdict = out.cut_off.empty() ? Verdict::Continue : Verdict::CutOff;
  out.reason = waiting;
  return out;
}

json evidence_json(const AssessmentConfig& config, const Assessment& a) {
  json versions = json::array();
  for (const auto& v : a.versions) {
    json guardrails = json::array();
    for (const auto& g : v.guardrails) {
      json gj = {{"metric", g.metric},
                 {"verdict", to_string(g.verdict)},
                 {"events", g.counts.events},
                 {"trials", g.counts.trials},
                 {"interval", {g.interval.low, g.interval.high}}};
      if (g.e_value) gj["eValue"] = *g.e_value;
      if (!g.reason.empty()) gj["reason"] = g.reason;
      guardrails.push_back(gj);
    }
    json vj = {{"name", v.name},
               {"judged", v.judged},
               {"failed", v.failed},
               {"live", v.live},
               {"guardrailsHold", v.guardrails_hold},
               {"guardrails", guardrails},
               {"sampleRatioMismatch", v.sample_ratio_mismatch},
               {"sampleRatioEValue", v.sample_ratio_e}};
    if (v.reward)
      vj["reward"] = {{"events", v.reward->events},
                      {"trials", v.reward->trials},
                      {"interval", {v.reward_interval.low, v.reward_interval.high}},
                      {"probabilityBest", v.probability_best}};
    versions.push_back(vj);
  }
  const bool performance = config.pattern == model::TestingPattern::Performance;
  if (performance)
    for (std::size_t i = 0; i < a.versions.size(); ++i)
      versions[i]["objectives"] = objectives_word(a.versions[i]);
  json out = {
      {"decision", to_string(a.verdict)},
      {"reason", a.reason},
      {"confidence", config.confidence},
      {"rule", performance
                   ? "performance: each version's objectives judged on its own against absolute "
                     "limits, anytime-valid at alpha = 1 - confidence each (not corrected); met "
                     "when every one is proven to hold, missed when one is proven violated or "
                     "none is proven by the last look"
                   : "guardrails: anytime-valid at alpha = 1 - confidence each (not corrected); "
                     "reward: confidence sequences at alpha / " +
                         std::to_string(config.versions.size()) +
                         " per version; winner: guardrails hold and its reward sequence is wholly "
                         "better than every other live version's, with no sample-ratio mismatch"},
      {"sampleRatioMismatch", a.sample_ratio_mismatch},
      {"versions", versions},
      {"state", to_json(a.state)}};
  if (!a.winner.empty()) out["winner"] = a.winner;
  if (!a.cut_off.empty()) out["cutOff"] = a.cut_off;
  return out;
}

}  // namespace veer::analysis::experiment
