// Runs the checks of one Canary metric: its thresholdRange (Flagger's semantics) and veer's
// optional comparison of canary vs primary over the same window. Knows no Kubernetes: the caller
// passes the resolved templates and the source to query.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/providers/metrics_source.hpp"
#include "analysis/stats/sequential_binomial.hpp"
#include "analysis/templates.hpp"
#include "analysis/verdict.hpp"
#include "model/canary.hpp"
#include "model/metric_template.hpp"

namespace veer::analysis {

// Finds a MetricTemplate by reference (namespace "" = the Canary's); null when there is none.
using TemplateLookup = std::function<const model::MetricTemplate*(const model::NamedReference&)>;

// The source for a MetricTemplate's provider (type, address, secret); an error such as
// "provider datadog is not supported yet" becomes a NoData verdict.
using SourceForProvider = std::function<Outcome<MetricsSource*>(const model::MetricProvider&)>;

// The time a look covers: (start, end], in unix seconds. Consecutive looks share their boundary,
// so every request is counted once.
struct LookWindow {
  double start_unix_seconds;
  double end_unix_seconds;
};

struct MetricCheckContext {
  std::string provider;    // the Canary's spec.provider
  TemplateContext canary;  // variables for the canary side (the primary's are derived)
  TemplateLookup templates;
  SourceForProvider source_for;  // null: every template uses the default source
  double now_unix_seconds = 0;   // end of the window for range queries
  // Set: the counts of a binomial comparison cover exactly this window (queries evaluated at its
  // end, over its length in whole seconds). Absent: the metric's interval ending now.
  std::optional<LookWindow> window = std::nullopt;
};

// One result per check the metric declares (threshold and/or comparison), or one NoData result
// when the metric cannot be evaluated. `sequential` carries the sequential test's state between
// calls (the controller stores it in the Canary status); it may be null for a one-off analysis.
std::vector<CheckResult> check_metric(const model::CanaryMetric& metric,
                                      const MetricCheckContext& context, MetricsSource& source,
                                      stats::SequentialState* sequential);

// The worst of the checks' verdicts (verdict.hpp's `worst`).
Verdict worst(const std::vector<CheckResult>& results);

}  // namespace veer::analysis
