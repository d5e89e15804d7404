// The operator's source of an Experiment's counts: for every version, its metrics' queries
// (inline, MetricTemplates with their providers and Secrets, or the built-in
// request-success-rate) rendered with the version's Deployment as {{ target }} and the look's
// window as {{ interval }}, run through the same providers as a Canary's metrics (Lookups).
//
// How a value becomes counts: the criteria.requestCount metric is the version's requests in the
// window; the built-in request-success-rate is counted exactly (its errors and total queries);
// any other metric is a rate in its unit (docs/experiments.md), so its events are that rate of
// the version's requests. A version that had no traffic (weight 0) and has no data counts 0.
#pragma once

#include "operator/controller/experiment/experiment_metrics.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/runtime/metrics_checker.hpp"

namespace veer::runtime {

class ExperimentCountsSource final : public controller::experiment::ExperimentMetrics {
 public:
  // `objects`: where MetricTemplates and Secrets are read (the Manager's cache).
  explicit ExperimentCountsSource(kube::Cluster& objects, MetricsCheckerSettings settings = {});
  base::Outcome<std::vector<analysis::experiment::VersionCounts>> measure(
      const model::Experiment& experiment, double window_seconds) override;

 private:
  kube::Cluster& objects_;
  MetricsCheckerSettings settings_;
};

}  // namespace veer::runtime
