#include "analysis/metric_check.hpp"

#include <cmath>
#include <sstream>

#include "analysis/builtin_metrics.hpp"
#include "analysis/comparison.hpp"

namespace veer::analysis {
namespace {

// A query template resolved for one metric (or count), with where it came from and its source.
struct QuerySpec {
  std::string text;
  std::string origin;  // "template veer/error-rate", "metric error-rate", "built-in ..."
  MetricsSource* source = nullptr;
};

CheckResult no_data(const std::string& metric, const std::string& test, std::string message,
                    std::vector<std::string> queries = {}) {
  CheckResult out;
  out.metric = metric;
  out.verdict = Verdict::NoData;
  out.evidence.test = test;
  out.evidence.message = std::move(message);
  out.evidence.queries = std::move(queries);
  return out;
}

std::string format(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

Outcome<QuerySpec> from_template(const model::NamedReference& ref, const MetricCheckContext& c,
                                 MetricsSource& fallback) {
  const std::string ns = ref.namespace_.empty() ? c.canary.namespace_ : ref.namespace_;
  const model::MetricTemplate* t = c.templates ? c.templates(ref) : nullptr;
  if (!t) return fail("MetricTemplate " + ns + "/" + ref.name + " not found");
  QuerySpec spec{t->spec.query, "template " + ns + "/" + ref.name, &fallback};
  if (c.source_for) {
    auto source = c.source_for(t->spec.provider);
    if (!source) return fail(spec.origin + ": " + source.error());
    spec.source = *source;
  } else if (t->spec.provider.type != "prometheus") {
    return fail(spec.origin + ": provider " + t->spec.provider.type + " is not supported yet");
  }
  return spec;
}

Outcome<QuerySpec> metric_query(const model::CanaryMetric& m, const MetricCheckContext& c,
                                MetricsSource& fallback, bool primary) {
  if (m.template_ref) return from_template(*m.template_ref, c, fallback);
  if (!m.query.empty()) return QuerySpec{m.query, "metric " + m.name, &fallback};
  auto builtin = builtin_queries(m.name, c.provider, primary);
  if (!builtin) return Error{builtin.error()};
  return QuerySpec{builtin->value, "built-in " + m.name, &fallback};
}

Outcome<QuerySpec> count_query(const model::CanaryMetric& m,
                               const std::optional<model::CountSource>& given, bool errors,
                               const MetricCheckContext& c, MetricsSource& fallback, bool primary) {
  const char* what = errors ? "errors" : "total";
  if (given && given->template_ref) return from_template(*given->template_ref, c, fallback);
  if (given && !given->query.empty()) {
    return QuerySpec{given->query, "metric " + m.name + " comparison." + what, &fallback};
  }
  if (!m.template_ref && m.query.empty() && m.name == "request-success-rate") {
    auto builtin = builtin_queries(m.name, c.provider, primary);
    if (!builtin) return Error{builtin.error()};
    return QuerySpec{errors ? builtin->errors : builtin->total, "built-in " + m.name + " " + what,
                     &fallback};
  }
  return fail(std::string("comparison.") + what +
              " is required for a binomial test on a metric other than the built-in "
              "request-success-rate");
}

struct Rendered {
  std::string canary;
  std::string primary;
};

Outcome<Rendered> render_both(const QuerySpec& spec, const QuerySpec& primary_spec,
                              const MetricCheckContext& c) {
  auto canary = render_query(spec.text, c.canary, spec.origin);
  if (!canary) return Error{canary.error()};
  auto primary = render_query(primary_spec.text, primary_context(c.canary), primary_spec.origin);
  if (!primary) return Error{primary.error()};
  return Rendered{*canary, *primary};
}

CheckResult threshold_check(const model::CanaryMetric& m, const QuerySpec& spec,
                            const std::string& query) {
  auto value = spec.source->instant(query);
  if (!value) return no_data(m.name, "threshold", value.error(), {query});
  std::optional<double> min, max;
  if (m.threshold_range) {
    min = m.threshold_range->min;
    max = m.threshold_range->max;
  } else if (m.threshold) {
    // Flagger's deprecated `threshold`: a minimum for the success rate, a maximum otherwise.
    (m.name == "request-success-rate" ? min : max) = *m.threshold;
  }
  CheckResult out;
  out.metric = m.name;
  out.evidence.test = "threshold";
  out.evidence.value = *value;
  out.evidence.queries = {query};
  if (min && *value < *min) {
    out.verdict = Verdict::Fail;
    out.evidence.message = format(*value) + " < min " + format(*min);
  } else if (max && *value > *max) {
    out.verdict = Verdict::Fail;
    out.evidence.message = format(*value) + " > max " + format(*max);
  } else {
    out.verdict = Verdict::Pass;
    out.evidence.message = format(*value) + " within [" + (min ? format(*min) : "-inf") + ", " +
                           (max ? format(*max) : "+inf") + "]";
  }
  return out;
}

Outcome<std::uint64_t> count(MetricsSource& source, const std::string& query) {
  auto value = source.instant(query);
  if (!value) return Error{value.error()};
  if (*value < 0)
    return fail("query \"" + query + "\" returned a negative count " + format(*value));
  return static_cast<std::uint64_t>(std::llround(*value));
}

CheckResult comparison_check(const model::CanaryMetric& m, const MetricCheckContext& c,
                             MetricsSource& fallback, stats::SequentialState* sequential) {
  const model::Comparison& cmp = *m.comparison;
  const std::string test = test_name(cmp.test);
  CheckResult out;
  if (cmp.binomial()) {
    auto errors_spec = count_query(m, cmp.errors, true, c, fallback, false);
    auto errors_primary = count_query(m, cmp.errors, true, c, fallback, true);
    auto total_spec = count_query(m, cmp.total, false, c, fallback, false);
    auto total_primary = count_query(m, cmp.total, false, c, fallback, true);
    for (const auto* q : {&errors_spec, &errors_primary, &total_spec, &total_primary}) {
      if (!*q) return no_data(m.name, test, q->error());
    }
    auto errors = render_both(*errors_spec, *errors_primary, c);
    if (!errors) return no_data(m.name, test, errors.error());
    auto total = render_both(*total_spec, *total_primary, c);
    if (!total) return no_data(m.name, test, total.error());
    std::vector<std::string> queries{errors->canary, total->canary, errors->primary,
                                     total->primary};
    auto ce = count(*errors_spec->source, errors->canary);
    auto ct = count(*total_spec->source, total->canary);
    auto pe = count(*errors_primary->source, errors->primary);
    auto pt = count(*total_primary->source, total->primary);
    for (const auto* v : {&ce, &ct, &pe, &pt}) {
      if (!*v) return no_data(m.name, test, v->error(), queries);
    }
    // Counters reset and rate extrapolation can make errors exceed total by a little.
    const stats::Counts canary{std::min(*ce, *ct), *ct};
    const stats::Counts primary{std::min(*pe, *pt), *pt};
    if (cmp.test == model::ComparisonTest::BayesBinomial) {
      out = compare_counts(cmp, canary, primary);
    } else {
      stats::SequentialState local;
      out = compare_sequential(cmp, sequential ? *sequential : local,
                               {{canary.errors, canary.total, primary.errors, primary.total}});
    }
    out.evidence.queries = queries;
  } else {
    auto spec = metric_query(m, c, fallback, false);
    auto primary_spec = metric_query(m, c, fallback, true);
    if (!spec) return no_data(m.name, test, spec.error());
    if (!primary_spec) return no_data(m.name, test, primary_spec.error());
    auto rendered = render_both(*spec, *primary_spec, c);
    if (!rendered) return no_data(m.name, test, rendered.error());
    std::vector<std::string> queries{rendered->canary, rendered->primary};
    // Samples: the metric over its interval, about 30 points (at least one a second).
    const double window = static_cast<double>(m.interval.count()) / 1000.0;
    const double step = std::max(1.0, window / 30);
    auto canary = spec->source->range(rendered->canary, c.now_unix_seconds, window, step);
    if (!canary) return no_data(m.name, test, canary.error(), queries);
    auto primary = primary_spec->source->range(rendered->primary, c.now_unix_seconds, window, step);
    if (!primary) return no_data(m.name, test, primary.error(), queries);
    out = compare_samples(cmp, *canary, *primary);
    out.evidence.queries = queries;
  }
  out.metric = m.name;
  return out;
}

}  // namespace

std::vector<CheckResult> check_metric(const model::CanaryMetric& metric,
                                      const MetricCheckContext& context, MetricsSource& source,
                                      stats::SequentialState* sequential) {
  MetricCheckContext c = context;
  c.canary.interval = promql_duration(metric.interval.count());
  c.canary.variables = metric.template_variables;
  std::vector<CheckResult> results;
  const bool has_threshold = metric.threshold_range || metric.threshold;
  if (has_threshold || !metric.comparison) {
    auto spec = metric_query(metric, c, source, false);
    if (!spec) return {no_data(metric.name, "threshold", spec.error())};
    auto query = render_query(spec->text, c.canary, spec->origin);
    if (!query) return {no_data(metric.name, "threshold", query.error())};
    if (has_threshold) {
      results.push_back(threshold_check(metric, *spec, *query));
    } else {
      // Neither a threshold nor a comparison: Flagger only checks that the query returns data.
      auto value = spec->source->instant(*query);
      if (!value) {
        results.push_back(no_data(metric.name, "value", value.error(), {*query}));
      } else {
        CheckResult r;
        r.metric = metric.name;
        r.verdict = Verdict::Pass;
        r.evidence.test = "value";
        r.evidence.value = *value;
        r.evidence.queries = {*query};
        r.evidence.message = "no threshold: the query returned " + format(*value);
        results.push_back(r);
      }
    }
  }
  if (metric.comparison) results.push_back(comparison_check(metric, c, source, sequential));
  return results;
}

Verdict worst(const std::vector<CheckResult>& results) {
  auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::Fail:
        return 3;
      case Verdict::NoData:
        return 2;
      case Verdict::Inconclusive:
        return 1;
      case Verdict::Pass:
        return 0;
    }
    return 2;
  };
  Verdict out = Verdict::Pass;
  for (const auto& r : results) {
    if (rank(r.verdict) > rank(out)) out = r.verdict;
  }
  return out;
}

}  // namespace veer::analysis
