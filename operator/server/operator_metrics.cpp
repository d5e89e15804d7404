#include "operator/server/operator_metrics.hpp"

#include <sstream>

namespace veer::server {

namespace {

std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

OperatorMetrics::OperatorMetrics(std::string mesh_provider) : provider_(std::move(mesh_provider)) {}

void OperatorMetrics::observe(const ReconcileSample& report, double seconds) {
  std::lock_guard lock(mutex_);
  ++duration_count_;
  duration_sum_ += seconds;
  for (std::size_t i = 0; i < bucket_bounds_.size(); ++i) {
    if (seconds <= bucket_bounds_[i]) ++bucket_counts_[i];
  }
  if (report.failed) ++reconcile_errors_;
  if (report.name.empty()) return;
  auto& state = canaries_[{report.ns, report.name}];
  if (!report.target.empty()) state.target = report.target;
  state.weight = report.canary_weight;
  state.status = report.status == ReconcileSample::Status::Progressing ? 0
                 : report.status == ReconcileSample::Status::Failed    ? 2
                                                                       : 1;
  for (const auto& v : report.verdicts) {
    ++verdicts_[{v.metric, v.verdict}];
    if (v.value) state.metric_values[v.metric] = *v.value;
  }
  const auto name = state.target.empty() ? report.name : state.target;
  switch (report.run_end) {
    case ReconcileSample::RunEnd::Succeeded:
      ++successes_[{name, report.ns, report.strategy, "completed"}];
      break;
    case ReconcileSample::RunEnd::Skipped:
      ++successes_[{name, report.ns, report.strategy, "skipped"}];
      break;
    case ReconcileSample::RunEnd::Failed:
      ++failures_[{name, report.ns, report.strategy, "failed"}];
      break;
    case ReconcileSample::RunEnd::None:
      break;
  }
}

void OperatorMetrics::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  canaries_.erase({ns, name});
}

std::string OperatorMetrics::render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  header(out, "veer_info", "gauge", "veer version and default mesh provider");
  out << "veer_info{version=\"" << VEER_VERSION << "\",mesh_provider=\"" << escape(provider_)
      << "\"} 1\n";

  std::map<std::string, int> per_namespace;
  for (const auto& [key, state] : canaries_) ++per_namespace[key.first];
  header(out, "veer_canary_total", "gauge", "Canaries per namespace");
  for (const auto& [ns, count] : per_namespace)
    out << "veer_canary_total{namespace=\"" << escape(ns) << "\"} " << count << "\n";

  header(out, "veer_canary_status", "gauge", "0 progressing, 1 other, 2 failed");
  for (const auto& [key, state] : canaries_) {
    const auto& name = state.target.empty() ? key.second : state.target;
    out << "veer_canary_status{name=\"" << escape(name) << "\",namespace=\"" << escape(key.first)
        << "\"} " << state.status << "\n";
  }
  header(out, "veer_canary_weight", "gauge", "traffic weight of the primary and the canary");
  for (const auto& [key, state] : canaries_) {
    const auto& name = state.target.empty() ? key.second : state.target;
    out << "veer_canary_weight{workload=\"" << escape(name) << "-primary\",namespace=\""
        << escape(key.first) << "\"} " << 100 - state.weight << "\n";
    out << "veer_canary_weight{workload=\"" << escape(name) << "\",namespace=\""
        << escape(key.first) << "\"} " << state.weight << "\n";
  }
  header(out, "veer_canary_metric_analysis", "gauge", "last value of each analysed metric");
  for (const auto& [key, state] : canaries_) {
    const auto& name = state.target.empty() ? key.second : state.target;
    for (const auto& [metric, value] : state.metric_values)
      out << "veer_canary_metric_analysis{name=\"" << escape(name) << "\",namespace=\""
          << escape(key.first) << "\",metric=\"" << escape(metric) << "\"} " << value << "\n";
  }
  auto runs = [&](const char* series, const auto& counts) {
    for (const auto& [k, count] : counts)
      out << series << "{name=\"" << escape(std::get<0>(k)) << "\",namespace=\""
          << escape(std::get<1>(k)) << "\",deployment_strategy=\"" << escape(std::get<2>(k))
          << "\",analysis_status=\"" << escape(std::get<3>(k)) << "\"} " << count << "\n";
  };
  header(out, "veer_canary_successes_total", "counter", "rollouts that promoted");
  runs("veer_canary_successes_total", successes_);
  header(out, "veer_canary_failures_total", "counter", "rollouts that rolled back");
  runs("veer_canary_failures_total", failures_);

  header(out, "veer_canary_duration_seconds", "histogram", "duration of one reconcile");
  for (std::size_t i = 0; i < bucket_bounds_.size(); ++i)
    out << "veer_canary_duration_seconds_bucket{le=\"" << bucket_bounds_[i] << "\"} "
        << bucket_counts_[i] << "\n";
  out << "veer_canary_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << "\n"
      << "veer_canary_duration_seconds_sum " << duration_sum_ << "\n"
      << "veer_canary_duration_seconds_count " << duration_count_ << "\n";

  header(out, "veer_verdicts_total", "counter", "metric verdicts by metric and verdict");
  for (const auto& [k, count] : verdicts_)
    out << "veer_verdicts_total{metric=\"" << escape(k.first) << "\",verdict=\"" << k.second
        << "\"} " << count << "\n";
  header(out, "veer_reconcile_errors_total", "counter", "reconciles that failed and were retried");
  out << "veer_reconcile_errors_total " << reconcile_errors_ << "\n";
  if (queue_depth_) {
    header(out, "veer_workqueue_depth", "gauge", "Canaries waiting to be reconciled");
    out << "veer_workqueue_depth " << queue_depth_() << "\n";
  }
  return out.str();
}

}  // namespace veer::server
