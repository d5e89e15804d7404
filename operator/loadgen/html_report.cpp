#include "operator/loadgen/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "html/html.hpp"
#include "html/svg_chart.hpp"

namespace veer::loadgen {

namespace {

using html::escape;
using html::number;

std::string role(std::size_t index) {
  return index == 0 ? "baseline" : "candidate " + std::to_string(index);
}

// Bars of equal width: the buckets are equal steps of log(latency), so the x axis is logarithmic.
std::string histogram_svg(const UrlResult& url, std::size_t index) {
  const auto buckets = url.latency.buckets(8);
  std::ostringstream svg;
  constexpr double kWidth = 640, kHeight = 200, kLeft = 48, kBottom = 36, kTop = 10;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << kWidth << " " << kHeight
      << "\" width=\"" << kWidth << "\" height=\"" << kHeight << "\" data-histogram=\"" << index
      << "\" role=\"img\">";
  if (buckets.empty()) return svg.str() + "<text x=\"10\" y=\"20\">no latencies</text></svg>";
  std::uint64_t tallest = 1;
  for (const auto& b : buckets) tallest = std::max(tallest, b.count);
  const double slot = (kWidth - kLeft - 8) / static_cast<double>(buckets.size());
  const double plot = kHeight - kBottom - kTop;
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kHeight - kBottom << "\" x2=\"" << kWidth - 8
      << "\" y2=\"" << kHeight - kBottom << "\" stroke=\"#888\"/>";
  svg << "<text x=\"4\" y=\"" << kTop + 10 << "\" font-size=\"11\">" << tallest << "</text>";
  const std::size_t label_every = std::max<std::size_t>(1, buckets.size() / 8);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const auto& b = buckets[i];
    const double h = plot * static_cast<double>(b.count) / static_cast<double>(tallest);
    const double x = kLeft + slot * static_cast<double>(i);
    const double high = std::isfinite(b.high_ms) ? b.high_ms : url.latency.max_ms();
    svg << "<rect x=\"" << number(x + 1, 6) << "\" y=\"" << number(kHeight - kBottom - h, 6)
        << "\" width=\"" << number(std::max(slot - 2, 1.0), 6) << "\" height=\"" << number(h, 6)
        << "\" fill=\"#4a7fb5\" data-low-ms=\"" << number(b.low_ms, 6) << "\" data-high-ms=\""
        << number(high, 6) << "\" data-count=\"" << b.count << "\"><title>" << number(b.low_ms)
        << "–" << number(high) << " ms: " << b.count << "</title></rect>";
    if (i % label_every == 0)
      svg << "<text x=\"" << number(x, 6) << "\" y=\"" << kHeight - kBottom + 14
          << "\" font-size=\"10\">" << number(b.low_ms, 3) << "</text>";
  }
  // The percentiles as dashed lines, placed within their bar on the logarithmic scale.
  for (double q : {0.5, 0.95, 0.99}) {
    const double value = url.latency.quantile_ms(q);
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      const double low = std::max(buckets[i].low_ms, 1e-6);
      const double high = std::isfinite(buckets[i].high_ms) ? buckets[i].high_ms : value;
      if (value > high * (1 + 1e-9) || high <= low) continue;
      const double within = std::clamp(std::log(value / low) / std::log(high / low), 0.0, 1.0);
      const std::string x = number(kLeft + slot * (static_cast<double>(i) + within), 6);
      svg << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << kTop << "\" y2=\""
          << kHeight - kBottom
          << "\" stroke=\"#b3261e\" stroke-dasharray=\"4 3\" data-percentile=\"" << q * 100
          << "\" data-ms=\"" << number(value, 6) << "\"/><text x=\"" << x << "\" y=\""
          << kTop + 8 +
                 (q == 0.5    ? 0
                  : q == 0.95 ? 10
                              : 20)
          << "\" font-size=\"10\" fill=\"#b3261e\">p" << q * 100 << "</text>";
      break;
    }
  }
  svg << "<text x=\"" << kLeft << "\" y=\"" << kHeight - 4
      << "\" font-size=\"11\">latency, ms (logarithmic); dashed: p50, p95, p99</text></svg>";
  return svg.str();
}

std::string latency_over_time_svg(const LoadReport& report) {
  html::Chart chart;
  chart.id = "latency-over-time";
  chart.title = "mean latency per second, ms";
  chart.y_min = 0;
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    html::Series series;
    series.name = role(i);
    const auto& means = report.urls[i].second_mean_ms;
    for (std::size_t s = 0; s < means.size(); ++s)
      series.points.push_back({static_cast<double>(s), means[s]});
    if (!series.points.empty()) chart.series.push_back(std::move(series));
  }
  if (chart.series.empty()) return "";
  return html::render_svg(chart);
}

// The classes html::render_svg draws with; one colour per version.
constexpr const char* kChartStyle =
    "figure.chart{margin:0;width:640px}figcaption{font-weight:600}.axis line{stroke:#e3e6ea}"
    ".axis text{font-size:10px;fill:#555}polyline.series{stroke-width:2}circle.dot{stroke:none}"
    ".s0{stroke:#1d5fa8;fill:#1d5fa8;color:#1d5fa8}.s1{stroke:#e07b00;fill:#e07b00;color:#e07b00}"
    ".s2{stroke:#2a7d2a;fill:#2a7d2a;color:#2a7d2a}.s3{stroke:#b3261e;fill:#b3261e;color:#b3261e}"
    ".s4{stroke:#6a4c93;fill:#6a4c93;color:#6a4c93}.s5{stroke:#777;fill:#777;color:#777}"
    "polyline.series{fill:none}.legend .key{margin-right:1em}"
    ".legend .key::before{content:\"\\25A0 \";}";

const char* verdict_colour(const std::string& verdict) {
  if (verdict == "pass") return "#d9f2d9";
  if (verdict == "fail" || verdict == "worse") return "#f7d4d4";
  return "#f7efcf";
}

std::string bound_text(const std::optional<double>& bound, double scale) {
  return bound ? number(*bound * scale) : "-";
}

}  // namespace

std::string render_html_report(const LoadReport& report, const RunAssessment& assessment,
                               const RunSettings& settings) {
  std::ostringstream html;
  const std::uint64_t all = [&] {
    std::uint64_t n = 0;
    for (const auto& u : report.urls) n += u.requests;
    return n;
  }();
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<title>veer experiment run</title><style>"
       << "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
       << "margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
       << "td.l,th.l{text-align:left}h2{margin-top:1.6em}" << kChartStyle
       << "</style></head><body>\n"
       << "<h1>veer experiment run: <span data-overall=\"" << (assessment.passed ? "pass" : "fail")
       << "\">" << (assessment.passed ? "pass" : "fail") << "</span></h1>\n<p>"
       << number(settings.qps) << " requests per second per URL for "
       << number(settings.duration_seconds) << " s, " << settings.connections
       << " connections per URL, confidence " << number(settings.confidence * 100)
       << "%. Latency counts from when a request was due (open loop).";
  if (all > 0)
    html << " The generator used " << number(report.cpu_seconds * 1e6 / static_cast<double>(all))
         << " µs of CPU per request.";
  if (report.stopped_early) html << " Stopped early (interrupted).";
  html << "</p>\n<h2>Requests and latency</h2>\n<table><tr><th class=\"l\">version</th>"
       << "<th class=\"l\">URL</th><th>requests</th><th>refused</th><th>timeout</th>"
       << "<th>http-5xx</th><th>other</th><th>error rate</th><th>mean ms</th><th>p50</th>"
       << "<th>p90</th><th>p95</th><th>p99</th><th>max</th></tr>\n";
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    const auto& u = report.urls[i];
    html << "<tr data-url=\"" << i << "\"><td class=\"l\">" << escape(role(i))
         << "</td><td class=\"l\">" << escape(u.url);
    if (!u.setup_error.empty()) html << "<br><em>" << escape(u.setup_error) << "</em>";
    html << "</td><td>" << u.requests << "</td>";
    for (auto kind : {ErrorKind::Refused, ErrorKind::Timeout, ErrorKind::Http5xx, ErrorKind::Other})
      html << "<td>" << (u.errors.count(kind) ? u.errors.at(kind) : 0) << "</td>";
    const double rate =
        u.requests ? static_cast<double>(u.error_count()) / static_cast<double>(u.requests) : 0;
    html << "<td>" << number(rate * 100) << "%</td><td>" << number(u.latency.mean_ms()) << "</td>";
    for (double q : {0.5, 0.9, 0.95, 0.99})
      html << "<td>" << number(u.latency.quantile_ms(q)) << "</td>";
    html << "<td>" << number(u.latency.max_ms()) << "</td></tr>\n";
  }
  html << "</table>\n";
  if (!assessment.slos.empty()) {
    html << "<h2>Objectives</h2>\n<table><tr><th class=\"l\">version</th><th class=\"l\">"
         << "objective</th><th class=\"l\">verdict</th><th>observed</th><th>lower bound</th>"
         << "<th>upper bound</th><th class=\"l\">why</th></tr>\n";
    for (const auto& s : assessment.slos) {
      const std::string verdict = to_string(s.assessment.verdict);
      const double scale = s.slo.kind == Slo::Kind::ErrorRate ? 100 : 1;
      const char* unit = s.slo.kind == Slo::Kind::ErrorRate ? "%" : " ms";
      html << "<tr data-slo=\"" << escape(s.slo.text) << "\" data-url=\"" << s.url
           << "\" data-verdict=\"" << verdict << "\" style=\"background:" << verdict_colour(verdict)
           << "\"><td class=\"l\">" << escape(role(s.url)) << "</td><td class=\"l\">"
           << escape(s.slo.text) << "</td><td class=\"l\">" << verdict << "</td><td>"
           << number(s.assessment.estimate * scale) << unit << "</td><td>"
           << bound_text(s.assessment.bound_low, scale) << "</td><td>"
           << bound_text(s.assessment.bound_high, scale) << "</td><td class=\"l\">"
           << escape(s.assessment.reason) << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  if (!assessment.comparisons.empty()) {
    html << "<h2>Candidates against the baseline</h2>\n<table><tr><th class=\"l\">version</th>"
         << "<th class=\"l\">metric</th><th class=\"l\">test</th><th class=\"l\">verdict</th>"
         << "<th class=\"l\">why</th></tr>\n";
    for (const auto& c : assessment.comparisons) {
      const std::string verdict = comparison_word(c.result.verdict);
      html << "<tr data-comparison=\"" << escape(c.metric) << "\" data-url=\"" << c.candidate
           << "\" data-verdict=\"" << escape(verdict)
           << "\" style=\"background:" << verdict_colour(verdict) << "\"><td class=\"l\">"
           << escape(role(c.candidate)) << "</td><td class=\"l\">" << escape(c.metric)
           << "</td><td class=\"l\">" << escape(c.result.evidence.test) << "</td><td class=\"l\">"
           << escape(verdict) << "</td><td class=\"l\">" << escape(c.result.evidence.message)
           << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  html << "<h2>Latency over time</h2>\n" << latency_over_time_svg(report) << "\n";
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    html << "<h2>Latency histogram: " << escape(role(i)) << "</h2>\n<p>"
         << escape(report.urls[i].url) << "</p>\n"
         << histogram_svg(report.urls[i], i) << "\n";
  }
  html << "</body></html>\n";
  return html.str();
}

}  // namespace veer::loadgen
