#include "operator/runtime/metrics_checker.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/metric_check.hpp"
#include "analysis/providers/factory.hpp"
#include "analysis/providers/prometheus.hpp"
#include "analysis/sequential_status.hpp"
#include "model/metric_template.hpp"
#include "operator/controller/evidence_so_far.hpp"
#include "operator/controller/family_alpha.hpp"
#include "operator/controller/look_window.hpp"
#include "operator/runtime/metric_context.hpp"
#include "operator/runtime/metric_lookups.hpp"
#include "operator/runtime/traffic_split_guard.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::runtime {
namespace {

using controller::MetricOutcome;
using nlohmann::json;

constexpr const char* kStateKey = "sequential_state";

bool is_sequential(const model::CanaryMetric& metric) {
  return metric.comparison && metric.comparison->test == model::ComparisonTest::SequentialBinomial;
}

// The sequential state this metric reached at the previous step of this run, if any.
std::optional<analysis::stats::SequentialState> previous_state(const model::Canary& canary,
                                                               const std::string& metric) {
  const auto& evidence = canary.status.evidence;
  if (!evidence.is_object() || !evidence.contains("metrics") || !evidence["metrics"].is_array())
    return std::nullopt;
  for (const auto& entry : evidence["metrics"]) {
    if (!entry.is_object() || entry.value("name", "") != metric) continue;
    const auto& e = entry.value("evidence", json::object());
    if (!e.is_object() || !e.contains(kStateKey)) return std::nullopt;
    auto state = analysis::parse_sequential_state(e[kStateKey]);
    if (!state) return std::nullopt;  // unreadable: start over rather than guess
    return *state;
  }
  return std::nullopt;
}

std::string template_key(const model::CanaryMetric& metric, const std::string& ns) {
  if (!metric.template_ref) return "";
  return (metric.template_ref->namespace_.empty() ? ns : metric.template_ref->namespace_) + "/" +
         metric.template_ref->name;
}

// A look at the instant the previous one ended (or before it): nothing new to count.
analysis::CheckResult nothing_new(const model::CanaryMetric& metric, double previous_end) {
  analysis::CheckResult r;
  r.metric = metric.name;
  r.verdict = analysis::Verdict::Inconclusive;
  r.evidence.test = std::string(model::to_string(metric.comparison->test));
  r.evidence.message = "no time has passed since the previous look (ended at unix time " +
                       std::to_string(previous_end) + "): nothing new to count";
  return r;
}

// One metric's checks as the verdict the controller records: the worst outcome, with the message
// and evidence of the last check that gave it (`shown`, null when there were no checks).
controller::MetricVerdict verdict_of(const model::CanaryMetric& metric,
                                     const std::vector<analysis::CheckResult>& checks,
                                     const std::string& lookup_problem,
                                     const analysis::CheckResult*& shown) {
  controller::MetricVerdict verdict;
  verdict.name = metric.name;
  std::vector<MetricOutcome> outcomes;
  for (const auto& check : checks) outcomes.push_back(controller::outcome_of(check.verdict));
  verdict.outcome = checks.empty() ? MetricOutcome::Pass : controller::worst_of(outcomes);
  shown = nullptr;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (outcomes[i] == verdict.outcome) shown = &checks[i];
  }
  if (shown) {
    verdict.message = shown->evidence.message;
    if (verdict.outcome == MetricOutcome::Fail)
      verdict.message = metric.name + ": " + verdict.message;
    verdict.evidence = analysis::to_json(shown->evidence);
  } else {
    verdict.evidence = json::object();
  }
  if (verdict.outcome == MetricOutcome::NoData && !lookup_problem.empty())
    verdict.message += " (" + lookup_problem + ")";
  if (checks.size() > 1) {
    verdict.evidence["checks"] = json::array();
    for (const auto& check : checks) verdict.evidence["checks"].push_back(analysis::to_json(check));
  }
  return verdict;
}

// What the looks of all metrics say together: the sequential test's decision over every
// sequential metric, and the requests each side received (from the first binomial comparison
// that counted them) for the traffic-split guard.
class LookTally {
 public:
  LookTally(const model::Canary& canary, controller::AnalysisResult& result)
      : canary_(canary), result_(result) {}

  void add_sequential(const model::CanaryMetric& metric,
                      const analysis::stats::SequentialState& before,
                      const analysis::stats::SequentialState& next,
                      const std::vector<analysis::CheckResult>& checks) {
    ++sequential_metrics_;
    if (!canary_requests_ && next.looks > before.looks)
      count(next.canary_total - before.canary_total, next.primary_total - before.primary_total,
            metric.name);
    for (const auto& check : checks) {
      if (check.evidence.test != "sequential-binomial") continue;
      if (check.verdict == analysis::Verdict::Fail) {
        result_.sequential = controller::SequentialDecision::ProvenWorse;
        result_.sequential_message = metric.name + ": " + check.evidence.message;
      } else if (check.verdict == analysis::Verdict::Pass) {
        ++proven_no_worse_;
        if (result_.sequential != controller::SequentialDecision::ProvenWorse)
          result_.sequential_message += (result_.sequential_message.empty() ? "" : "; ") +
                                        metric.name + ": " + check.evidence.message;
      } else if (check.verdict == analysis::Verdict::Inconclusive) {
        result_.evidence_so_far +=
            (result_.evidence_so_far.empty() ? "" : "; ") +
            controller::evidence_so_far(metric.name, before, next, metric.comparison->alpha,
                                        canary_.spec.analysis->interval);
      }
    }
  }

  // A Bayesian binomial comparison's counts, when no metric has given them yet.
  void add_comparison(const model::CanaryMetric& metric, const analysis::CheckResult* shown) {
    if (canary_requests_ || !shown || shown->evidence.test != "bayes-binomial" ||
        !shown->evidence.n_candidate || !shown->evidence.n_baseline)
      return;
    count(static_cast<std::uint64_t>(std::llround(*shown->evidence.n_candidate)),
          static_cast<std::uint64_t>(std::llround(*shown->evidence.n_baseline)), metric.name);
  }

  void finish() {
    if (result_.sequential != controller::SequentialDecision::ProvenWorse) {
      if (sequential_metrics_ > 0 && proven_no_worse_ == sequential_metrics_) {
        result_.sequential = controller::SequentialDecision::ProvenNoWorse;
      } else {
        result_.sequential = controller::SequentialDecision::Continue;
        result_.sequential_message.clear();
      }
    }
    result_.traffic_split =
        traffic_split_check(canary_, canary_requests_, primary_requests_, counts_span_no_data_);
  }

 private:
  void count(std::uint64_t canary_requests, std::uint64_t primary_requests,
             const std::string& metric) {
    canary_requests_ = canary_requests;
    primary_requests_ = primary_requests;
    // The counted look's window spans looks without data.
    counts_span_no_data_ = controller::previous_look_had_no_data(canary_.status.evidence, metric);
  }

  const model::Canary& canary_;
  controller::AnalysisResult& result_;
  std::optional<std::uint64_t> canary_requests_, primary_requests_;
  bool counts_span_no_data_ = false;
  int sequential_metrics_ = 0;
  int proven_no_worse_ = 0;
};

}  // namespace

AnalysisMetricsChecker::AnalysisMetricsChecker(kube::Cluster& objects, base::Clock& clock,
                                               MetricsCheckerSettings settings)
    : objects_(objects), clock_(clock), settings_(std::move(settings)) {}

controller::AnalysisResult AnalysisMetricsChecker::analyze(const model::Canary& canary) {
  controller::AnalysisResult result;
  if (!canary.spec.analysis) return result;
  const std::string address =
      canary.spec.metrics_server.empty() ? settings_.metrics_server : canary.spec.metrics_server;
  auto context_vars = template_context(canary, objects_);
  Lookups lookups(objects_, context_vars.namespace_, address, settings_.timeout, settings_.source);

  analysis::MetricCheckContext context;
  context.provider = canary.spec.provider;
  context.canary = context_vars;
  context.now_unix_seconds = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
  context.templates = [&](const model::NamedReference& ref) { return lookups.find_template(ref); };
  context.source_for = [&](const model::MetricProvider& p) { return lookups.source_for(p); };

  // Family-wise error (docs/analysis.md "Several metrics"): Bonferroni over the comparison tests.
  const int family = controller::comparison_family(*canary.spec.analysis);
  LookTally tally(canary, result);
  for (const auto& declared : canary.spec.analysis->metrics) {
    const auto metric = controller::at_family_alpha(declared, family);
    const bool sequential = is_sequential(metric);
    const auto before = (sequential ? previous_state(canary, metric.name) : std::nullopt)
                            .value_or(analysis::stats::SequentialState{});
    analysis::stats::SequentialState next = before;
    // Contiguous windows: this look counts from where the previous one ended (look_window.hpp).
    const auto previous_end = controller::previous_look_end(canary.status.evidence, metric.name);
    const auto window =
        metric.comparison
            ? controller::look_window(previous_end, context.now_unix_seconds, metric.interval)
            : std::nullopt;
    auto look = context;
    if (window)
      look.window = analysis::LookWindow{window->start_unix_seconds, window->end_unix_seconds};
    const auto checks =
        window || !metric.comparison
            ? analysis::check_metric(metric, look, lookups.default_source(),
                                     sequential ? &next : nullptr)
            : std::vector<analysis::CheckResult>{nothing_new(metric, *previous_end)};

    const analysis::CheckResult* shown = nullptr;
    auto verdict = verdict_of(
        metric, checks, lookups.problem(template_key(metric, context_vars.namespace_)), shown);
    // The next look starts at this one's end, or, when nothing was counted (no data), where the
    // last counted look ended, so the missed time is counted then.
    if (window && verdict.outcome != MetricOutcome::NoData)
      verdict.evidence["window"] = controller::to_json(*window);
    else if (previous_end)
      verdict.evidence["window"] = {{"end", *previous_end}};
    if (metric.comparison) {
      verdict.evidence["alpha_family"] = declared.comparison->alpha;
      verdict.evidence["alpha_used"] = metric.comparison->alpha;
      verdict.evidence["family_rule"] =
          "bonferroni over " + std::to_string(family) + " comparison test(s)";
    }
    if (sequential) {
      verdict.evidence[kStateKey] = analysis::to_json(next);
      tally.add_sequential(metric, before, next, checks);
    } else if (metric.comparison) {
      tally.add_comparison(metric, shown);
    }
    result.metrics.push_back(std::move(verdict));
  }
  tally.finish();
  return result;
}

}  // namespace veer::runtime
