// The operator's Prometheus series: Flagger's under a `veer_` prefix (canary_status,
// canary_weight, canary_total, canary_duration_seconds, canary_metric_analysis,
// canary_successes_total, canary_failures_total) plus veer's own (verdicts, reconcile errors,
// work-queue depth). Fed from reconcile reports; rendered in the text exposition format.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace veer::server {

// What one reconcile of a Canary tells the series. The runtime fills it from the controller's
// report (runtime/reconcile_sample.hpp), so this part needs nothing of the controller.
struct ReconcileSample {
  enum class Status { Progressing, Failed, Other };  // veer_canary_status 0, 2, 1
  enum class RunEnd { None, Succeeded, Skipped, Failed };
  struct Verdict {
    std::string metric;
    std::string verdict;          // pass | fail | hold | ... (the controller's rule names)
    std::optional<double> value;  // the metric's last value, when the analysis gave one
  };

  std::string ns;
  std::string name;  // "" for a pass that reached no Canary
  std::string target;
  std::string strategy;  // canary | ab-testing | blue-green
  Status status = Status::Other;
  int canary_weight = 0;
  std::vector<Verdict> verdicts;
  RunEnd run_end = RunEnd::None;
  bool failed = false;  // the reconcile failed and is retried
};

class OperatorMetrics {
 public:
  explicit OperatorMetrics(std::string mesh_provider = "");

  void observe(const ReconcileSample& report, double seconds);
  void forget(const std::string& ns, const std::string& name);  // a deleted Canary
  // Sampled when rendering (e.g. the work queue's length).
  void set_queue_depth(std::function<std::size_t()> depth) { queue_depth_ = std::move(depth); }

  std::string render() const;

 private:
  struct CanaryState {
    std::string target;
    int status = 1;  // 0 Progressing, 2 Failed, 1 anything else
    int weight = 0;
    std::map<std::string, double> metric_values;
  };
  std::string provider_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, CanaryState> canaries_;  // (ns, name)
  // (name, ns, strategy, analysis_status) -> count
  std::map<std::tuple<std::string, std::string, std::string, std::string>, long> successes_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, long> failures_;
  std::map<std::pair<std::string, std::string>, long> verdicts_;  // (metric, verdict)
  long reconcile_errors_ = 0;
  std::vector<double> bucket_bounds_{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::vector<long> bucket_counts_ = std::vector<long>(11, 0);
  long duration_count_ = 0;
  double duration_sum_ = 0;
  std::function<std::size_t()> queue_depth_;
};

}  // namespace veer::server
