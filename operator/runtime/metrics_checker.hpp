// The operator's MetricsChecker: every metric of a Canary (built-ins, inline queries and
// MetricTemplates with their providers' Secrets, read from the cache) checked by
// analysis::check_metric against --metrics-server or the Canary's spec.metricsServer.
//
// The sequential test's state lives in the Canary status, never in memory: it is read from the
// previous step's evidence (status.evidence.metrics[].evidence.sequential_state) and the updated
// state is returned in the verdict's evidence, which the controller stores. A restarted operator
// (a new checker) resumes the same test.
//
// Each metric's verdict is the worst of its checks (verdict_rule.hpp). Comparison tests share
// one family-wise alpha (Bonferroni: each runs at alpha / number of comparisons). The requests
// each side received this look (from a binomial comparison) feed the traffic-split guard.
#pragma once

#include <chrono>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "base/clock.hpp"
#include "model/canary.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::runtime {

struct MetricsCheckerSettings {
  std::string metrics_server = "http://prometheus:9090";  // --metrics-server
  std::chrono::milliseconds timeout{5000};                // per query
  // Answers instead of metrics_server when set (veer demo, bench/decisions); not owned.
  analysis::MetricsSource* source = nullptr;
};

class AnalysisMetricsChecker final : public controller::MetricsChecker {
 public:
  // `objects` is where MetricTemplates and Secrets are read (the Manager's cache).
  AnalysisMetricsChecker(kube::Cluster& objects, base::Clock& clock,
                         MetricsCheckerSettings settings = {});
  controller::AnalysisResult analyze(const model::Canary& canary) override;

 private:
  kube::Cluster& objects_;
  base::Clock& clock_;
  MetricsCheckerSettings settings_;
};

}  // namespace veer::runtime
