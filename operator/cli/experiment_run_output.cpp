#include "operator/cli/experiment_run_output.hpp"

#include <iomanip>
#include <ostream>

namespace veer::cli {

namespace {

using loadgen::ErrorKind;

constexpr ErrorKind kKinds[] = {ErrorKind::Refused, ErrorKind::Timeout, ErrorKind::Http5xx,
                                ErrorKind::Other};
constexpr double kPercentiles[] = {0.5, 0.9, 0.95, 0.99};

std::string role(std::size_t index) {
  return index == 0 ? "baseline" : "candidate " + std::to_string(index);
}

std::uint64_t count_of(const loadgen::UrlResult& url, ErrorKind kind) {
  const auto it = url.errors.find(kind);
  return it == url.errors.end() ? 0 : it->second;
}

double error_rate(const loadgen::UrlResult& url) {
  return url.requests ? static_cast<double>(url.error_count()) / static_cast<double>(url.requests)
                      : 0;
}

std::uint64_t all_requests(const loadgen::LoadReport& report) {
  std::uint64_t n = 0;
  for (const auto& u : report.urls) n += u.requests;
  return n;
}

double cpu_per_request_us(const loadgen::LoadReport& report) {
  const auto n = all_requests(report);
  return n ? report.cpu_seconds * 1e6 / static_cast<double>(n) : 0;
}

std::string percentile_key(double q) {
  std::ostringstream key;
  key << "p" << q * 100;
  return key.str();
}

}  // namespace

nlohmann::json experiment_run_json(const loadgen::LoadReport& report,
                                   const loadgen::RunAssessment& assessment,
                                   const loadgen::RunSettings& settings) {
  nlohmann::json out;
  out["verdict"] = assessment.passed ? "pass" : "fail";
  out["settings"] = {{"qps", settings.qps},
                     {"duration_seconds", settings.duration_seconds},
                     {"connections", settings.connections},
                     {"confidence", settings.confidence},
                     {"relative_margin", settings.relative_margin}};
  out["generator"] = {{"elapsed_seconds", report.elapsed_seconds},
                      {"cpu_seconds", report.cpu_seconds},
                      {"cpu_per_request_us", cpu_per_request_us(report)},
                      {"max_lag_ms", report.max_lag_ms},
                      {"stopped_early", report.stopped_early}};
  out["urls"] = nlohmann::json::array();
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    const auto& u = report.urls[i];
    nlohmann::json url = {{"url", u.url},
                          {"role", i == 0 ? "baseline" : "candidate"},
                          {"requests", u.requests},
                          {"answered", u.answered},
                          {"error_rate", error_rate(u)}};
    if (!u.setup_error.empty()) url["setup_error"] = u.setup_error;
    if (!u.first_error.empty()) url["first_error"] = u.first_error;
    url["errors"] = nlohmann::json::object();
    for (auto kind : kKinds) url["errors"][loadgen::to_string(kind)] = count_of(u, kind);
    url["status_classes"] = nlohmann::json::object();
    for (const auto& [cls, count] : u.status_classes)
      url["status_classes"][std::to_string(cls) + "xx"] = count;
    nlohmann::json latency = {{"count", u.latency.count()},
                              {"mean", u.latency.mean_ms()},
                              {"min", u.latency.min_ms()},
                              {"max", u.latency.max_ms()}};
    for (double q : kPercentiles) latency[percentile_key(q)] = u.latency.quantile_ms(q);
    url["latency_ms"] = latency;
    out["urls"].push_back(url);
  }
  out["slos"] = nlohmann::json::array();
  for (const auto& s : assessment.slos) {
    nlohmann::json slo = {{"url", report.urls[s.url].url},
                          {"slo", s.slo.text},
                          {"verdict", loadgen::to_string(s.assessment.verdict)},
                          {"estimate", s.assessment.estimate},
                          {"requests", s.assessment.requests},
                          {"reason", s.assessment.reason}};
    if (s.assessment.bound_low) slo["bound_low"] = *s.assessment.bound_low;
    if (s.assessment.bound_high) slo["bound_high"] = *s.assessment.bound_high;
    out["slos"].push_back(slo);
  }
  out["comparisons"] = nlohmann::json::array();
  for (const auto& c : assessment.comparisons) {
    out["comparisons"].push_back({{"url", report.urls[c.candidate].url},
                                  {"baseline", report.urls.front().url},
                                  {"metric", c.metric},
                                  {"verdict", loadgen::comparison_word(c.result.verdict)},
                                  {"evidence", analysis::to_json(c.result.evidence)}});
  }
  return out;
}

void print_experiment_run(const loadgen::LoadReport& report,
                          const loadgen::RunAssessment& assessment,
                          const loadgen::RunSettings& settings, std::ostream& out) {
  out << "load: " << settings.qps << " requests/s per URL for " << settings.duration_seconds
      << " s, " << settings.connections << " connections per URL (open loop)"
      << (report.stopped_early ? ", stopped early" : "") << "\n";
  out << "generator: " << std::setprecision(3) << report.cpu_seconds << " s CPU, "
      << cpu_per_request_us(report) << " us per request, latest start " << report.max_lag_ms
      << " ms after due\n";
  for (std::size_t i = 0; i < report.urls.size(); ++i) {
    const auto& u = report.urls[i];
    out << "\n" << role(i) << ": " << u.url << "\n";
    if (!u.setup_error.empty()) {
      out << "  not run: " << u.setup_error << "\n";
      continue;
    }
    out << "  requests " << u.requests << ", errors " << u.error_count() << " (";
    for (auto kind : kKinds)
      out << (kind == ErrorKind::Refused ? "" : ", ") << loadgen::to_string(kind) << " "
          << count_of(u, kind);
    out << "), error rate " << error_rate(u) * 100 << "%\n";
    if (!u.first_error.empty()) out << "  first error: " << u.first_error << "\n";
    out << "  latency ms: mean " << u.latency.mean_ms();
    for (double q : kPercentiles)
      out << ", " << percentile_key(q) << " " << u.latency.quantile_ms(q);
    out << ", max " << u.latency.max_ms() << "\n";
  }
  if (!assessment.slos.empty()) {
    out << "\nobjectives (confidence " << settings.confidence * 100 << "%):\n";
    for (const auto& s : assessment.slos) {
      out << "  " << std::left << std::setw(13) << loadgen::to_string(s.assessment.verdict)
          << std::setw(13) << role(s.url) << std::setw(22) << s.slo.text << std::right
          << s.assessment.reason << "\n";
    }
  }
  if (!assessment.comparisons.empty()) {
    out << "\ncandidates against the baseline (margin " << settings.relative_margin * 100
        << "%):\n";
    for (const auto& c : assessment.comparisons) {
      out << "  " << std::left << std::setw(13) << loadgen::comparison_word(c.result.verdict)
          << std::setw(13) << role(c.candidate) << std::setw(11) << c.metric << std::right
          << c.result.evidence.test << ": " << c.result.evidence.message << "\n";
    }
  }
  out << "\nresult: " << (assessment.passed ? "pass" : "fail") << "\n";
}

}  // namespace veer::cli
