// `veer experiment run`: a local performance or A/B experiment against running HTTP endpoints,
// no cluster needed: load from the built-in open-loop generator, SLO verdicts with exact
// confidence bounds, candidates compared with the first URL, an exit code for CI.
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

#include "model/duration.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/experiment_run_output.hpp"
#include "operator/cli/outbound_flags.hpp"
#include "operator/cli/signals.hpp"
#include "operator/loadgen/html_report.hpp"

namespace veer::cli {
namespace {

// A positive number from a flag, or nothing.
std::optional<double> positive(const std::string& text) {
  std::istringstream in(text);
  double value = 0;
  if (!(in >> value) || !(in >> std::ws).eof() || !std::isfinite(value) || value <= 0)
    return std::nullopt;
  return value;
}

std::optional<std::chrono::milliseconds> positive_duration(const std::string& text) {
  auto d = model::parse_duration_ms(text);
  if (!d || d->count() <= 0) return std::nullopt;
  return d;
}

int run_experiment_run(Invocation& call, const std::vector<std::string>& args) {
  std::vector<std::string> urls;
  std::string qps = "100", duration = "30s", connections = "8", timeout = "2s", slo_text,
              confidence = "0.95", relative_margin = "0.1", report_path, output = "text";
  OutboundFlags outbound;
  ArgParser parser(
      "experiment run", "--url URL [--url URL2 ...] [flags]",
      "Sends load to running HTTP endpoints from an open-loop generator (requests are due on a "
      "fixed clock; latency counts from when a request was due, so queueing is included), "
      "judges each URL's SLOs with exact confidence bounds and, with two or more URLs, compares "
      "each with the first (the baseline). Exit 0: every SLO passed and no candidate is worse; "
      "1: an SLO failed or was inconclusive, a URL could not be loaded, or a candidate is worse.");
  parser.repeated("url", &urls, "URL", "an http:// endpoint; the first is the baseline")
      .option("qps", &qps, "N", "requests per second to each URL (default 100)")
      .option("duration", &duration, "D", "how long to send load, e.g. 30s, 2m (default 30s)")
      .option("connections", &connections, "C", "keep-alive connections per URL (default 8)")
      .option("timeout", &timeout, "D",
              "the longest a request may take from when it was due (default 2s)")
      .option("slo", &slo_text, "LIST",
              "objectives for every URL, e.g. \"latency-p95<=300ms,error-rate<=0.1%\"")
      .option("confidence", &confidence, "C",
              "confidence of the verdicts, 0.5 < C < 1 (default 0.95)")
      .option("relative-margin", &relative_margin, "R",
              "how much worse than the baseline a candidate may be before it counts as worse "
              "(default 0.1 = 10%)")
      .option("report", &report_path, "FILE", "also write a self-contained HTML report")
      .option("output", &output, "FORMAT", "text (default) or json", 'o')
      .choices("output", {"text", "json"});
  outbound.add_to(parser, false);
  auto parsed = parser.parse(args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty())
    return usage_error(parser, "takes no positional arguments (give each URL with --url)",
                       call.err);
  if (urls.empty()) return usage_error(parser, "--url is required", call.err);

  loadgen::RunSettings settings;
  loadgen::LoadOptions options;
  options.urls = urls;
  const auto q = positive(qps);
  if (!q || *q > 1e6)
    return usage_error(parser, "--qps \"" + qps + "\" is not a rate in (0, 1000000]", call.err);
  options.qps = *q;
  const auto d = positive_duration(duration);
  if (!d)
    return usage_error(
        parser, "--duration \"" + duration + "\" is not a duration above 0 (e.g. 30s)", call.err);
  options.duration = *d;
  const auto c = positive(connections);
  if (!c || std::floor(*c) != *c || *c > 10000)
    return usage_error(parser,
                       "--connections \"" + connections + "\" is not a whole number in 1..10000",
                       call.err);
  options.connections = static_cast<int>(*c);
  const auto t = positive_duration(timeout);
  if (!t)
    return usage_error(parser, "--timeout \"" + timeout + "\" is not a duration above 0 (e.g. 2s)",
                       call.err);
  options.timeout = *t;
  const auto level = positive(confidence);
  if (!level || *level <= 0.5 || *level >= 1)
    return usage_error(parser, "--confidence \"" + confidence + "\" is outside (0.5, 1)", call.err);
  settings.confidence = *level;
  const auto margin = positive(relative_margin);
  if (relative_margin != "0" && !margin)
    return usage_error(parser, "--relative-margin \"" + relative_margin + "\" is not a number >= 0",
                       call.err);
  settings.relative_margin = margin.value_or(0);
  std::vector<loadgen::Slo> slos;
  if (!slo_text.empty()) {
    auto parsed_slos = loadgen::parse_slos(slo_text);
    if (!parsed_slos) return usage_error(parser, "--slo: " + parsed_slos.error().message, call.err);
    slos = *parsed_slos;
  }
  std::string error;
  auto policy = outbound.policy(error);
  if (!policy) return usage_error(parser, error, call.err);
  options.policy = *policy;
  options.max_response_bytes = policy->max_response_bytes;

  // Ctrl-C ends the schedule; what was measured is still judged and reported.
  SignalGuard signals;
  options.stop_requested = [&signals] { return signals.wait_for(std::chrono::milliseconds(0)); };
  const auto report = loadgen::run_load(options);
  const auto assessment =
      loadgen::assess_run(report, slos, settings.confidence, settings.relative_margin);

  settings.qps = options.qps;
  settings.duration_seconds = std::chrono::duration<double>(options.duration).count();
  settings.connections = options.connections;
  if (output == "json") {
    call.out << experiment_run_json(report, assessment, settings).dump(2) << "\n";
  } else {
    print_experiment_run(report, assessment, settings, call.out);
  }
  if (!report_path.empty()) {
    std::ofstream file(report_path, std::ios::binary | std::ios::trunc);
    file << loadgen::render_html_report(report, assessment, settings);
    if (!file) {
      call.err << "veer experiment run: cannot write the report to " << report_path << "\n";
      return 1;
    }
  }
  return assessment.passed ? 0 : 1;
}

int run_experiment(Invocation& call) {
  if (call.args.empty() || call.args[0] == "--help" || call.args[0] == "-h" ||
      call.args[0] == "help") {
    (call.args.empty() ? call.err : call.out)
        << "usage: veer experiment run --url URL [--url URL2 ...] [flags]\n"
           "  run   a local performance or A/B experiment against HTTP endpoints "
           "(veer experiment run --help)\n";
    return call.args.empty() ? kUsageExitCode : 0;
  }
  if (call.args[0] != "run") {
    call.err << "veer experiment: unknown subcommand \"" << call.args[0]
             << "\" (the only one is: run)\n";
    return kUsageExitCode;
  }
  return run_experiment_run(call, {call.args.begin() + 1, call.args.end()});
}

}  // namespace

VEER_COMMAND("experiment", "load HTTP endpoints and judge their SLOs, or compare them (A/B)",
             run_experiment);

}  // namespace veer::cli
