// `veer demo`: the real controller on the in-memory cluster with simulated workloads and metrics
// under a fast simulated clock, through any of veer's routers. One good revision is promoted, one
// bad revision rolled back by thresholds; then the real metrics checker and sequential test on
// simulated traffic: a canary promoted early once proven no worse, one rolled back as soon as
// proven worse, and one held on missing data that then continues. Progress is printed as it goes,
// summary tables at the end. No network.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <optional>
#include <ostream>

#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/dashboard_flags.hpp"
#include "operator/cli/demo_experiment.hpp"
#include "operator/cli/demo_routing.hpp"
#include "operator/cli/demo_world.hpp"
#include "operator/cli/signals.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::cli {
namespace {

namespace sim = controller::simulation;

void print_table(std::ostream& out, const std::vector<const RevisionRun*>& runs) {
  const std::vector<std::string> headers{"REVISION", "RESULT", "WEIGHTS", "LAST VERDICT",
                                         "EVIDENCE", "TIME",   "ALERTS"};
  std::vector<std::vector<std::string>> rows;
  auto join_weights = [](const std::vector<int>& weights) {
    std::string text;
    for (int w : weights) text += (text.empty() ? "" : ">") + std::to_string(w);
    return text;
  };
  for (const auto* run : runs) {
    rows.push_back({run->image.substr(run->image.rfind(':') + 1), run->phase,
                    join_weights(run->weights), run->verdict, run->evidence, run->sim_time,
                    std::to_string(run->alerts)});
  }
  std::vector<std::size_t> widths(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    widths[i] = headers[i].size();
    for (const auto& row : rows) widths[i] = std::max(widths[i], row[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out << std::left << std::setw(static_cast<int>(widths[i]) + 2) << row[i];
    out << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
}

int run_demo(Invocation& call) {
  std::string provider = "istio";
  std::string pace_text = "60";
  bool experiment = false;
  DashboardFlags dashboard_flags;
  ArgParser parser(
      "demo", "",
      "Runs veer's controller on an in-memory cluster with simulated workloads and "
      "metrics under a fast clock: a good revision is promoted, a bad one rolled back. "
      "No cluster or network needed.");
  parser.option("provider", &provider, "NAME", "traffic router to simulate")
      .choices("provider", demo_providers());
  parser.option("pace", &pace_text, "MS", "real milliseconds to pause after each progress line");
  parser.flag("experiment", &experiment,
              "run examples/experiment/abn-thompson.yaml instead: an A/B/n Experiment whose best "
              "version wins and is promoted");
  dashboard_flags.add_to(parser, true);
  auto parsed = parser.parse(expand_dashboard_shorthand(call.args), call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty()) return usage_error(parser, "takes no arguments", call.err);
  long pace = 0;
  try {
    pace = std::stol(pace_text);
  } catch (const std::exception&) {
    return usage_error(parser, "--pace wants a number of milliseconds, got '" + pace_text + "'",
                       call.err);
  }
  if (pace < 0 || pace > 5000) return usage_error(parser, "--pace must be 0..5000", call.err);
  if (auto problem = dashboard_flags.check(); !problem.empty())
    return usage_error(parser, problem, call.err);
  if (experiment) {
    if (dashboard_flags.wanted())
      return usage_error(parser, "--experiment does not serve the dashboard (not built yet)",
                         call.err);
    if (provider != "istio")
      return usage_error(parser, "--experiment runs the example's Istio routes: no --provider",
                         call.err);
    return run_experiment_demo(call.out, call.err, std::chrono::milliseconds(pace));
  }

  // With the dashboard, Ctrl-C ends the serving loop (taken by wait_for); blocked before the
  // dashboard's threads start. Without it, Ctrl-C stops the demo as usual.
  std::optional<SignalGuard> signals;
  if (dashboard_flags.wanted()) signals.emplace();
  DemoWorld demo(call.out, provider, std::chrono::milliseconds(pace));
  std::unique_ptr<dashboard::DashboardServer> dashboard;
  if (dashboard_flags.wanted()) {
    std::string error, token;
    auto options = dashboard_flags.options(demo.cluster(), "", error, &token);
    if (!options) return usage_error(parser, error, call.err);
    try {
      dashboard = std::make_unique<dashboard::DashboardServer>(demo.cluster(), demo.clock(),
                                                               std::move(*options));
    } catch (const std::exception& e) {
      call.err << "veer demo: dashboard: " << e.what() << "\n";
      return 1;
    }
    call.out << "dashboard listening on http://" << dashboard->address() << "/"
             << (token.empty() ? "" : " (sign in with token " + token + ")") << "\n";
    call.out.flush();
  }
  auto finish = [&](int code) {
    if (!dashboard) return code;
    call.out << "\nserving the dashboard on http://" << dashboard->address() << "/ until Ctrl-C\n";
    call.out.flush();
    while (!signals->wait_for(std::chrono::milliseconds(200))) demo.idle_pass();
    dashboard->stop();
    return code;
  };
  const bool splits = demo_splits_traffic(provider);
  call.out << "veer demo: Canary " << kDemoNamespace << "/" << kDemoApp << " via " << provider
           << (splits ? " (10% steps to 50%, "
                      : " (blue/green: no traffic split, one analysed iteration per 10% step to "
                        "50%, ")
           << "1m interval, success rate >= 99%, 2 failed checks roll back)\n"
           << "simulated cluster and clock; hh:mm:ss is simulated time\n\n";
  if (auto error = demo.setup(
          kDemoApp, demo_app(kDemoNamespace, kDemoApp, "ghcr.io/stefanprodan/podinfo:6.0.0",
                             provider, sim::canary(kDemoNamespace, kDemoApp, provider)));
      !error.empty()) {
    call.err << "veer demo: " << error << "\n";
    return 1;
  }
  if (!demo.run_until({"Initialized"}, nullptr)) {
    call.err << "veer demo: the Canary did not initialize\n";
    return 1;
  }
  auto good = demo.rollout("ghcr.io/stefanprodan/podinfo:6.0.1");
  auto bad = demo.rollout("ghcr.io/stefanprodan/podinfo:6.0.2-bad");

  if (!splits) {  // blue/green only: no weighted traffic to compare
    call.out << "\nSummary\n";
    print_table(call.out, {&good, &bad});
    const bool ok = good.phase == "Succeeded" && bad.phase == "Failed";
    call.out << "\n"
             << (ok ? "The good revision was promoted and the bad one rolled back."
                    : "Unexpected outcome.")
             << " (The sequential-test part needs weighted routing: not with kubernetes.)\n";
    return finish(ok ? 0 : 1);
  }
  call.out << "\nveer demo: Canary " << kDemoNamespace << "/" << kDemoStatsApp
           << " compares canary and primary errors with the sequential test (10% margin, "
              "alpha 0.05, earlyPromotion), on 5,000 simulated requests a minute\n";
  if (auto error =
          demo.setup(kDemoStatsApp,
                     demo_app(kDemoNamespace, kDemoStatsApp, "example.com/checkout:1.0", provider,
                              sim::sequential_canary(kDemoNamespace, kDemoStatsApp, provider)));
      !error.empty()) {
    call.err << "veer demo: " << error << "\n";
    return 1;
  }
  demo.use_statistics();
  if (!demo.run_until({"Initialized"}, nullptr)) {
    call.err << "veer demo: the Canary did not initialize\n";
    return 1;
  }
  auto proven_good = demo.rollout("example.com/checkout:1.1");
  auto proven_bad = demo.rollout("example.com/checkout:1.2-bad");
  auto outage = demo.rollout("example.com/checkout:1.3-outage");

  call.out << "\nSummary: thresholds (podinfo)\n";
  print_table(call.out, {&good, &bad});
  call.out << "\nSummary: sequential test (checkout)\n";
  print_table(call.out, {&proven_good, &proven_bad, &outage});
  const bool early = proven_good.phase == "Succeeded" && proven_good.weights.size() > 1 &&
                     *std::max_element(proven_good.weights.begin(), proven_good.weights.end()) < 50;
  const bool as_expected = good.phase == "Succeeded" && bad.phase == "Failed" && early &&
                           proven_bad.phase == "Failed" && outage.phase == "Succeeded";
  call.out << "\n"
           << (as_expected ? "The good revision was promoted and the bad one rolled back. The "
                             "sequential test promoted 1.1 early, rolled 1.2-bad back as soon as "
                             "it was proven worse, and held 1.3-outage on missing data until the "
                             "data came back."
                           : "Unexpected outcome.")
           << "\n";
  return finish(as_expected ? 0 : 1);
}

}  // namespace

VEER_COMMAND("demo", "run a simulated canary rollout (good and bad revision) in-process", run_demo);

}  // namespace veer::cli
