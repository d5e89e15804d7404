#include "analysis/metric_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>

#include "analysis/builtin_metrics.hpp"
#include "analysis/comparison.hpp"
#include "analysis/stats/batch_means.hpp"

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
    if (!source) return fail(spec.origin + ": " + source.error().message);
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
  const auto& slower_than = m.comparison->slower_than;
  if (m.builtin() &&
      (m.name == "request-success-rate" || (m.name == "request-duration" && slower_than))) {
    auto builtin = m.name == "request-duration"
                       ? builtin_slow_request_queries(c.provider, primary, *slower_than)
                       : builtin_queries(m.name, c.provider, primary);
    if (!builtin) return Error{builtin.error()};
    return QuerySpec{errors ? builtin->errors : builtin->total, "built-in " + m.name + " " + what,
                     &fallback};
  }
  return fail(std::string("comparison.") + what +
              " is required for a binomial test on a metric other than the built-in "
              "request-success-rate (or request-duration with comparison.slowerThan)");
}

// What a binomial comparison's counts cover: the look's window when the caller gives one (the
// range rendered as its exact length in whole seconds, evaluated at its end), else the metric's
// interval ending now.
struct CountWindow {
  MetricCheckContext context;  // {{ interval }} rendered as the window's length
  std::optional<double> at;    // evaluation time
  std::optional<double> start;
};

Outcome<CountWindow> count_window(const MetricCheckContext& c) {
  CountWindow out{c, std::nullopt, std::nullopt};
  if (!c.window) return out;
  const double end = c.window->end_unix_seconds;
  const long long seconds = std::llround(end - c.window->start_unix_seconds);
  if (!(seconds >= 1)) {
    return fail("the look window (" + format(c.window->start_unix_seconds) + ", " + format(end) +
                "] is shorter than one second: nothing to count");
  }
  out.context.canary.interval = std::to_string(seconds) + "s";
  out.at = end;
  out.start = end - static_cast<double>(seconds);
  return out;
}

// `increase` over a window of d seconds sees samples spanning about d - s (s: the scrape
// interval) and extrapolates their difference to d, so every request it counts weighs d/(d - s):
// a request in a sampled span is counted 1.33 times (d = 60 s, s = 15 s), one between two looks'
// spans not at all. The total is right on average, but the likelihood ratio would treat 1.33
// requests as independent evidence where there is one, and the sequential test's error bound
// would not hold (bench/decisions measured 3.7x its alpha). Scaling counts by (d - s)/d counts
// each request in a sampled span once and drops the rest: fewer requests, a valid test.
struct CountScale {
  double factor = 1;
  std::string description;  // the evidence's `samples`
};

CountScale count_scale(double d, std::chrono::milliseconds scrape_interval) {
  if (!(d > 0)) return {};
  const double s = static_cast<double>(scrape_interval.count()) / 1000.0;
  CountScale out;
  out.factor = std::max(0.0, d - s) / d;
  out.description = "counts scaled by " + format(out.factor) + " = (" + format(d) + "s - " +
                    format(s) + "s scrape interval) / " + format(d) +
                    "s window: increase() extrapolates the sampled span to the window";
  return out;
}

std::uint64_t scaled(double count, const CountScale& scale) {
  return static_cast<std::uint64_t>(std::llround(count * scale.factor));
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
  if (!value) return no_data(m.name, "threshold", value.error().message, {query});
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

// A count as the query returned it (extrapolated counts are fractional); rounded once scaled.
Outcome<double> count(MetricsSource& source, const std::string& query, std::optional<double> at) {
  auto value = source.instant(query, at);
  if (!value) return Error{value.error()};
  if (*value < 0)
    return fail("query \"" + query + "\" returned a negative count " + format(*value));
  // Past 2^53 a double no longer holds whole counts, and rounding it to 64 bits is undefined.
  if (!std::isfinite(*value) || *value > 9.0e15)
    return fail("query \"" + query + "\" returned " + format(*value) + ", not a request count");
  return *value;
}

// Points of a numeric comparison per side: rates over consecutive, non-overlapping buckets.
constexpr int kSampleBuckets = 30;

struct Samples {
  std::vector<double> canary;
  std::vector<double> primary;
  std::string description;  // the evidence's `samples`
};

// Both sides cut to the same most recent buckets (a new canary has fewer than the primary), then
// averaged in batches long enough that neighbouring means are nearly uncorrelated.
Samples independent_samples(std::vector<double> canary, std::vector<double> primary,
                            const std::string& bucket) {
  const std::size_t n = std::min(canary.size(), primary.size());
  canary.erase(canary.begin(), canary.end() - static_cast<std::ptrdiff_t>(n));
  primary.erase(primary.begin(), primary.end() - static_cast<std::ptrdiff_t>(n));
  const double rho =
      std::max(stats::lag1_autocorrelation(canary), stats::lag1_autocorrelation(primary));
  const std::size_t size = std::max(stats::batch_size_for(canary), stats::batch_size_for(primary));
  Samples out{stats::batch_means(canary, size), stats::batch_means(primary, size), ""};
  const std::string buckets = std::to_string(n) + " non-overlapping " + bucket +
                              " buckets per side (lag-1 autocorrelation " + format(rho) + ")";
  out.description = size == 1 ? buckets + ", treated as independent"
                              : std::to_string(out.canary.size()) + " batch means of " +
                                    std::to_string(size) + " points from " + buckets;
  return out;
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
      if (!*q) return no_data(m.name, test, q->error().message);
    }
    auto window = count_window(c);
    if (!window) return no_data(m.name, test, window.error().message);
    auto errors = render_both(*errors_spec, *errors_primary, window->context);
    if (!errors) return no_data(m.name, test, errors.error().message);
    auto total = render_both(*total_spec, *total_primary, window->context);
    if (!total) return no_data(m.name, test, total.error().message);
    std::vector<std::string> queries{errors->canary, total->canary, errors->primary,
                                     total->primary};
    auto ce = count(*errors_spec->source, errors->canary, window->at);
    auto ct = count(*total_spec->source, total->canary, window->at);
    auto pe = count(*errors_primary->source, errors->primary, window->at);
    auto pt = count(*total_primary->source, total->primary, window->at);
    for (const auto* v : {&ce, &ct, &pe, &pt}) {
      if (!*v) return no_data(m.name, test, v->error().message, queries);
    }
    // The window's length; without one, the metric's interval ending now.
    const double length = window->at && window->start
                              ? *window->at - *window->start
                              : static_cast<double>(m.interval.count()) / 1000.0;
    const auto scale = count_scale(length, cmp.scrape_interval);
    // Counters reset and rate extrapolation can make errors exceed total by a little.
    const stats::Counts canary{std::min(scaled(*ce, scale), scaled(*ct, scale)),
                               scaled(*ct, scale)};
    const stats::Counts primary{std::min(scaled(*pe, scale), scaled(*pt, scale)),
                                scaled(*pt, scale)};
    if (cmp.test == model::ComparisonTest::BayesBinomial) {
      out = compare_counts(cmp, canary, primary);
    } else {
      stats::SequentialState local;
      out = compare_sequential(cmp, sequential ? *sequential : local,
                               {{canary.errors, canary.total, primary.errors, primary.total}});
    }
    out.evidence.queries = queries;
    out.evidence.samples = scale.description;
    out.evidence.window_start = window->start;
    out.evidence.window_end = window->at;
  } else {
    auto spec = metric_query(m, c, fallback, false);
    auto primary_spec = metric_query(m, c, fallback, true);
    if (!spec) return no_data(m.name, test, spec.error().message);
    if (!primary_spec) return no_data(m.name, test, primary_spec.error().message);
    auto rendered = render_both(*spec, *primary_spec, c);
    if (!rendered) return no_data(m.name, test, rendered.error().message);
    std::vector<std::string> queries{rendered->canary, rendered->primary};
    // Samples: the metric at a step of its own interval (the range its query covers), so no two
    // points share data; the last kSampleBuckets of them.
    const double bucket = static_cast<double>(m.interval.count()) / 1000.0;
    const double end = c.window ? c.window->end_unix_seconds : c.now_unix_seconds;
    const double span = bucket * (kSampleBuckets - 1);
    auto canary = spec->source->range(rendered->canary, end, span, bucket);
    if (!canary) return no_data(m.name, test, canary.error().message, queries);
    auto primary = primary_spec->source->range(rendered->primary, end, span, bucket);
    if (!primary) return no_data(m.name, test, primary.error().message, queries);
    auto samples = independent_samples(*canary, *primary, c.canary.interval);
    out = compare_samples(cmp, samples.canary, samples.primary);
    out.evidence.samples = samples.description;
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
    if (!spec) return {no_data(metric.name, "threshold", spec.error().message)};
    auto query = render_query(spec->text, c.canary, spec->origin);
    if (!query) return {no_data(metric.name, "threshold", query.error().message)};
    if (has_threshold) {
      results.push_back(threshold_check(metric, *spec, *query));
    } else {
      // Neither a threshold nor a comparison: Flagger only checks that the query returns data.
      auto value = spec->source->instant(*query);
      if (!value) {
        results.push_back(no_data(metric.name, "value", value.error().message, {*query}));
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
  std::vector<Verdict> verdicts;
  verdicts.reserve(results.size());
  for (const auto& r : results) verdicts.push_back(r.verdict);
  return worst(verdicts);
}

}  // namespace veer::analysis
