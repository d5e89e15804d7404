#include "operator/runtime/metrics_checker.hpp"

#include <cmath>
#include <map>
#include <memory>

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
  const auto interval = canary.spec.analysis->interval;
  std::optional<std::uint64_t> canary_requests, primary_requests;
  bool counts_span_no_data = false;  // the counted look's window spans looks without data
  int sequential_metrics = 0;
  int proven_no_worse = 0;
  for (const auto& declared : canary.spec.analysis->metrics) {
    const auto metric = controller::at_family_alpha(declared, family);
    const bool sequential = is_sequential(metric);
    auto state = sequential ? previous_state(canary, metric.name) : std::nullopt;
    const auto before = state.value_or(analysis::stats::SequentialState{});
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
    auto checks = window || !metric.comparison
                      ? analysis::check_metric(metric, look, lookups.default_source(),
                                               sequential ? &next : nullptr)
                      : std::vector<analysis::CheckResult>{nothing_new(metric, *previous_end)};

    controller::MetricVerdict verdict;
    verdict.name = metric.name;
    std::vector<MetricOutcome> outcomes;
    for (const auto& check : checks) outcomes.push_back(controller::outcome_of(check.verdict));
    verdict.outcome = checks.empty() ? MetricOutcome::Pass : controller::worst_of(outcomes);
    const analysis::CheckResult* shown = nullptr;  // the last check with the metric's verdict
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
    const auto problem = lookups.problem(template_key(metric, context_vars.namespace_));
    if (verdict.outcome == MetricOutcome::NoData && !problem.empty())
      verdict.message += " (" + problem + ")";
    if (checks.size() > 1) {
      verdict.evidence["checks"] = json::array();
      for (const auto& check : checks)
        verdict.evidence["checks"].push_back(analysis::to_json(check));
    }
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
      ++sequential_metrics;
      if (!canary_requests && next.looks > before.looks) {
        canary_requests = next.canary_total - before.canary_total;
        primary_requests = next.primary_total - before.primary_total;
        counts_span_no_data =
            controller::previous_look_had_no_data(canary.status.evidence, metric.name);
      }
      for (const auto& check : checks) {
        if (check.evidence.test != "sequential-binomial") continue;
        if (check.verdict == analysis::Verdict::Fail) {
          result.sequential = controller::SequentialDecision::ProvenWorse;
          result.sequential_message = metric.name + ": " + check.evidence.message;
        } else if (check.verdict == analysis::Verdict::Pass) {
          ++proven_no_worse;
          if (result.sequential != controller::SequentialDecision::ProvenWorse)
            result.sequential_message += (result.sequential_message.empty() ? "" : "; ") +
                                         metric.name + ": " + check.evidence.message;
        } else if (check.verdict == analysis::Verdict::Inconclusive) {
          result.evidence_so_far += (result.evidence_so_far.empty() ? "" : "; ") +
                                    controller::evidence_so_far(metric.name, before, next,
                                                                metric.comparison->alpha, interval);
        }
      }
    } else if (metric.comparison && !canary_requests && shown &&
               shown->evidence.test == "bayes-binomial" && shown->evidence.n_candidate &&
               shown->evidence.n_baseline) {
      canary_requests = static_cast<std::uint64_t>(std::llround(*shown->evidence.n_candidate));
      primary_requests = static_cast<std::uint64_t>(std::llround(*shown->evidence.n_baseline));
      counts_span_no_data =
          controller::previous_look_had_no_data(canary.status.evidence, metric.name);
    }
    result.metrics.push_back(std::move(verdict));
  }
  if (result.sequential != controller::SequentialDecision::ProvenWorse) {
    if (sequential_metrics > 0 && proven_no_worse == sequential_metrics) {
      result.sequential = controller::SequentialDecision::ProvenNoWorse;
    } else {
      result.sequential = controller::SequentialDecision::Continue;
      result.sequential_message.clear();
    }
  }
  result.traffic_split =
      traffic_split_check(canary, canary_requests, primary_requests, counts_span_no_data);
  return result;
}

}  // namespace veer::runtime
