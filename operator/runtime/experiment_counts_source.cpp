#include "operator/runtime/experiment_counts_source.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/builtin_metrics.hpp"
#include "analysis/experiment/experiment_config.hpp"
#include "analysis/templates.hpp"
#include "operator/runtime/metric_lookups.hpp"

namespace veer::runtime {

namespace ax = analysis::experiment;
using base::Outcome;

namespace {

std::uint64_t as_count(double value) {
  return value <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(value));
}

class VersionQueries {
 public:
  VersionQueries(const model::Experiment& e, const model::ExperimentVersion& version,
                 const std::string& interval, Lookups& lookups)
      : e_(e), version_(version), lookups_(lookups) {
    context_.name = e.metadata.name;
    context_.namespace_ = e.metadata.namespace_;
    context_.target = version.target_ref.name;
    context_.service =
        e.spec.service.name.empty() ? e.spec.baseline.target_ref.name : e.spec.service.name;
    context_.interval = interval;
  }

  // One number of `metric` (its query or template; `query` overrides both).
  Outcome<double> value(const model::ExperimentMetric& metric, const std::string& query = "") {
    auto context = context_;
    context.variables = metric.template_variables;
    auto* source = &lookups_.default_source();
    std::string text = query.empty() ? metric.query : query;
    if (query.empty() && metric.template_ref) {
      const auto* found = lookups_.find_template(*metric.template_ref);
      if (!found) {
        const auto key =
            (metric.template_ref->namespace_.empty() ? e_.metadata.namespace_
                                                     : metric.template_ref->namespace_) +
            "/" + metric.template_ref->name;
        const auto problem = lookups_.problem(key);
        return base::fail("MetricTemplate " + key +
                          (problem.empty() ? " not found" : ": " + problem));
      }
      auto chosen = lookups_.source_for(found->spec.provider);
      if (!chosen) return base::Error{chosen.error()};
      source = *chosen;
      text = found->spec.query;
    }
    auto rendered = analysis::render_query(text, context, metric.name);
    if (!rendered) return base::Error{rendered.error()};
    auto got = source->instant(*rendered);
    if (!got) return base::fail(where(metric) + ": " + got.error().message);
    return *got;
  }

  std::string where(const model::ExperimentMetric& metric) const {
    return "version " + version_.name + ", metric " + metric.name;
  }

 private:
  const model::Experiment& e_;
  const model::ExperimentVersion& version_;
  Lookups& lookups_;
  analysis::TemplateContext context_;
};

bool is_counted_builtin(const model::ExperimentMetric& m) {
  return m.query.empty() && !m.template_ref && m.name == "request-success-rate";
}

Outcome<ax::VersionCounts> count_version(const model::Experiment& e,
                                         const model::ExperimentVersion& version,
                                         VersionQueries& q) {
  const auto& spec = e.spec;
  ax::VersionCounts counts;
  counts.name = version.name;
  std::optional<std::uint64_t> requests;
  for (const auto& m : spec.metrics) {
    if (m.name != spec.criteria.request_count) continue;
    auto v = q.value(m);
    if (!v) return base::Error{v.error()};
    requests = as_count(*v);
  }
  for (const auto& m : spec.metrics) {
    if (m.name == spec.criteria.request_count) continue;
    if (is_counted_builtin(m)) {
      auto queries = analysis::builtin_queries(m.name, spec.provider, false);
      if (!queries) return base::Error{queries.error()};
      auto errors = q.value(m, queries->errors);
      if (!errors) return base::Error{errors.error()};
      auto total = q.value(m, queries->total);
      if (!total) return base::Error{total.error()};
      const auto trials = as_count(*total);
      counts.metrics[m.name] = {trials - std::min(trials, as_count(*errors)), trials};
      if (!requests) requests = trials;
      continue;
    }
    if (m.query.empty() && !m.template_ref)
      return base::fail(q.where(m) + ": the built-in " + m.name +
                        " cannot be counted per version; give a query (or templateRef) of "
                        "the rate to judge");
    if (spec.criteria.request_count.empty())
      return base::fail(q.where(m) +
                        ": spec.criteria.requestCount is needed to turn this rate into counts");
    auto v = q.value(m);
    if (!v) return base::Error{v.error()};
    const double rate = std::clamp(*v / ax::metric_scale(m.name), 0.0, 1.0);
    const auto trials = requests.value_or(0);
    counts.metrics[m.name] = {std::min(trials, as_count(rate * static_cast<double>(trials))),
                              trials};
  }
  counts.requests = requests.value_or(0);
  return counts;
}

}  // namespace

ExperimentCountsSource::ExperimentCountsSource(kube::Cluster& objects,
                                               MetricsCheckerSettings settings)
    : objects_(objects), settings_(std::move(settings)) {}

Outcome<std::vector<ax::VersionCounts>> ExperimentCountsSource::measure(const model::Experiment& e,
                                                                        double window_seconds) {
  const auto address =
      e.spec.metrics_server.empty() ? settings_.metrics_server : e.spec.metrics_server;
  Lookups lookups(objects_, e.metadata.namespace_, address, settings_.timeout, settings_.source);
  const auto seconds = std::max<long long>(1, std::llround(window_seconds));
  const auto interval = analysis::promql_duration(seconds * 1000);
  std::vector<ax::VersionCounts> out;
  for (const auto* version : e.spec.versions()) {
    VersionQueries queries(e, *version, interval, lookups);
    auto counts = count_version(e, *version, queries);
    if (!counts) {
      // No traffic, no series: a version at weight 0 since the last look counts nothing.
      bool idle = false;
      for (const auto& v : e.status.versions) idle |= v.name == version->name && v.weight == 0;
      if (!idle) return base::Error{counts.error()};
      ax::VersionCounts none;
      none.name = version->name;
      out.push_back(none);
      continue;
    }
    out.push_back(*counts);
  }
  return out;
}

}  // namespace veer::runtime
