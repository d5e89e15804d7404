#include "operator/loadgen/run_assessment.hpp"

#include <algorithm>

#include "analysis/comparison.hpp"
#include "analysis/stats/batch_means.hpp"

namespace veer::loadgen {

namespace {

// Per-second mean latencies are neighbours in time and correlated: batch them as the Canary
// analysis does, with one batch size for both sides.
std::pair<std::vector<double>, std::vector<double>> batched(const std::vector<double>& candidate,
                                                            const std::vector<double>& baseline) {
  const std::size_t size = std::max(analysis::stats::batch_size_for(candidate),
                                    analysis::stats::batch_size_for(baseline));
  return {analysis::stats::batch_means(candidate, size),
          analysis::stats::batch_means(baseline, size)};
}

std::vector<Comparison> compare_with_baseline(const LoadReport& report, double confidence,
                                              double relative_margin) {
  std::vector<Comparison> out;
  const UrlResult& baseline = report.urls.front();
  for (std::size_t i = 1; i < report.urls.size(); ++i) {
    const UrlResult& candidate = report.urls[i];
    if (!candidate.setup_error.empty() || !baseline.setup_error.empty()) continue;
    model::Comparison errors;
    errors.test = model::ComparisonTest::SequentialBinomial;
    errors.alpha = 1 - confidence;
    errors.confidence = confidence;
    errors.relative_margin = relative_margin;
    analysis::stats::SequentialState state;
    auto error_result = analysis::compare_sequential(
        errors, state,
        {{candidate.error_count(), candidate.requests, baseline.error_count(), baseline.requests}});
    error_result.metric = "error-rate";
    out.push_back({i, "error-rate", error_result});

    model::Comparison latency = errors;
    latency.test = model::ComparisonTest::MannWhitney;
    auto [c, b] = batched(candidate.second_mean_ms, baseline.second_mean_ms);
    auto latency_result = analysis::compare_samples(latency, c, b);
    latency_result.metric = "latency";
    latency_result.evidence.samples = "means of " + std::to_string(c.size()) + " and " +
                                      std::to_string(b.size()) + " batches of per-second means";
    out.push_back({i, "latency", latency_result});
  }
  return out;
}

}  // namespace

const char* comparison_word(analysis::Verdict verdict) {
  switch (verdict) {
    case analysis::Verdict::Fail:
      return "worse";
    case analysis::Verdict::Pass:
      return "pass";
    case analysis::Verdict::Inconclusive:
      return "inconclusive";
    case analysis::Verdict::NoData:
      break;
  }
  return "no-data";
}

RunAssessment assess_run(const LoadReport& report, const std::vector<Slo>& slos, double confidence,
                         double relative_margin) {
  RunAssessment out;
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    const UrlResult& url = report.urls[i];
    if (!url.setup_error.empty()) out.passed = false;
    for (const auto& slo : slos) {
      SloResult r{i, slo, assess(slo, {url.requests, url.error_count(), &url.latency}, confidence)};
      if (!url.setup_error.empty()) r.assessment.reason = "not run: " + url.setup_error;
      if (r.assessment.verdict != SloVerdict::Pass) out.passed = false;
      out.slos.push_back(std::move(r));
    }
  }
  if (report.urls.size() >= 2)
    out.comparisons = compare_with_baseline(report, confidence, relative_margin);
  for (const auto& c : out.comparisons)
    if (c.result.verdict == analysis::Verdict::Fail) out.passed = false;
  return out;
}

}  // namespace veer::loadgen
