// A run's verdicts and its HTML report, on made-up results (no network).
#include <doctest/doctest.h>

#include "operator/loadgen/html_report.hpp"
#include "operator/loadgen/run_assessment.hpp"

namespace {

using namespace veer::loadgen;

UrlResult url_with(const std::string& url, std::uint64_t requests, std::uint64_t errors_5xx,
                   int latency_ms) {
  UrlResult u;
  u.url = url;
  u.requests = requests;
  u.answered = requests;
  u.status_classes[2] = requests - errors_5xx;
  if (errors_5xx) {
    u.status_classes[5] = errors_5xx;
    u.errors[ErrorKind::Http5xx] = errors_5xx;
  }
  for (std::uint64_t i = 0; i < requests; ++i)
    u.latency.record(std::chrono::microseconds(latency_ms * 1000 + static_cast<int>(i % 97) * 10));
  for (int s = 0; s < 30; ++s) u.second_mean_ms.push_back(latency_ms + (s % 3) * 0.1);
  return u;
}

}  // namespace

TEST_CASE("a candidate with more errors is worse, and every SLO the baseline meets passes it") {
  LoadReport report;
  report.urls = {url_with("http://a/", 3000, 0, 5), url_with("http://b/<x>", 3000, 300, 5)};
  const auto slos = *parse_slos("error-rate<=1%,latency-p95<=50ms");
  const auto run = assess_run(report, slos, 0.95, 0.1);
  REQUIRE(run.slos.size() == 4);
  CHECK(run.slos[0].assessment.verdict == SloVerdict::Pass);
  CHECK(run.slos[1].assessment.verdict == SloVerdict::Pass);
  CHECK(run.slos[2].assessment.verdict == SloVerdict::Fail);  // 10% errors
  CHECK(run.slos[3].assessment.verdict == SloVerdict::Pass);
  REQUIRE(run.comparisons.size() == 2);
  CHECK(run.comparisons[0].metric == "error-rate");
  CHECK(std::string(comparison_word(run.comparisons[0].result.verdict)) == "worse");
  CHECK(run.comparisons[1].metric == "latency");
  CHECK(run.comparisons[1].result.verdict != veer::analysis::Verdict::Fail);
  CHECK_FALSE(run.passed);

  const auto html = render_html_report(report, run, {100, 30, 8, 0.95, 0.1});
  CHECK(html.find("http://b/&lt;x&gt;") != std::string::npos);
  CHECK(html.find("<x>") == std::string::npos);
  CHECK(html.find("data-overall=\"fail\"") != std::string::npos);
  CHECK(html.find("data-comparison=\"error-rate\" data-url=\"1\" data-verdict=\"worse\"") !=
        std::string::npos);
  CHECK(html.find("data-percentile=\"95\"") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // The bars of the baseline's histogram hold every request.
  const auto start = html.find("data-histogram=\"0\"");
  const auto end = html.find("</svg>", start);
  std::uint64_t bars = 0;
  for (auto at = html.find("data-count=\"", start); at < end;
       at = html.find("data-count=\"", at + 1))
    bars += std::stoull(html.substr(at + 12));
  CHECK(bars == 3000);
}

TEST_CASE("a URL that could not be used fails the run and its SLOs say why") {
  LoadReport report;
  report.urls = {url_with("http://a/", 400, 0, 5), {}};
  report.urls[1].url = "https://b/";
  report.urls[1].setup_error = "bad URL: https is not supported";
  const auto run = assess_run(report, {}, 0.95, 0.1);
  CHECK_FALSE(run.passed);
  CHECK(run.comparisons.empty());
  const auto with_slo = assess_run(report, *parse_slos("error-rate<=5%"), 0.95, 0.1);
  REQUIRE(with_slo.slos.size() == 2);
  CHECK(with_slo.slos[0].assessment.verdict == SloVerdict::Pass);
  CHECK(with_slo.slos[1].assessment.verdict == SloVerdict::Inconclusive);
  CHECK(with_slo.slos[1].assessment.reason == "not run: bad URL: https is not supported");
}

TEST_CASE("without SLOs, equal URLs pass") {
  LoadReport report;
  report.urls = {url_with("http://a/", 1000, 0, 5), url_with("http://b/", 1000, 0, 5)};
  const auto run = assess_run(report, {}, 0.95, 0.1);
  CHECK(run.passed);
}
