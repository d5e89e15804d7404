// The operator's MetricsChecker: every metric of a Canary (built-ins, inline queries and
// MetricTemplates with their providers' Secrets, read from the cache) checked by
// analysis::check_metric against --metrics-server or the Canary's spec.metricsServer.
//
// The sequential test's state lives in the Canary status, never in memory: it is read from the
// previous step's evidence (status.evidence.metrics[].evidence.sequential_state) and the updated
// state is returned in the verdict's evidence, which the controller stores. A restarted operator
// (a new checker) resumes the same test.
#pragma once

#include <chrono>
#include <string>

#include "analysis/verdict.hpp"
#include "model/canary.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/kube/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::runtime {

struct MetricsCheckerSettings {
  std::string metrics_server = "http://prometheus:9090";  // --metrics-server
  std::chrono::milliseconds timeout{5000};                // per query
};

class AnalysisMetricsChecker final : public controller::MetricsChecker {
 public:
  // `objects` is where MetricTemplates and Secrets are read (the Manager's cache).
  AnalysisMetricsChecker(kube::Cluster& objects, kube::Clock& clock,
                         MetricsCheckerSettings settings = {});
  controller::AnalysisResult analyze(const model::Canary& canary) override;

 private:
  kube::Cluster& objects_;
  kube::Clock& clock_;
  MetricsCheckerSettings settings_;
};

// How one metric's checks become the controller's verdict. Fail > NoData > Pass; an
// Inconclusive sequential test (enough requests, not decided yet) lets the step go on — it
// rolls back the moment the canary is proven worse; any other Inconclusive (below minSamples)
// is NoData, so too little data never promotes.
controller::MetricOutcome outcome_of(const model::CanaryMetric& metric,
                                     const analysis::CheckResult& check);

}  // namespace veer::runtime
