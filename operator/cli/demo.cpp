// `veer demo`: the real controller on the in-memory cluster with simulated workloads and metrics
// under a fast simulated clock. One good revision is promoted, one bad revision rolled back by
// thresholds; then the real metrics checker and sequential test on simulated traffic: a canary
// promoted early once proven no worse, one rolled back as soon as proven worse, and one held on
// missing data that then continues. Progress is printed as it goes, summary tables at the end.
// No network.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/dashboard_flags.hpp"
#include "operator/cli/demo_experiment.hpp"
#include "operator/cli/signals.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/metrics_checker.hpp"

namespace veer::cli {
namespace {

using controller::CanaryReconciler;
using nlohmann::json;
namespace sim = controller::simulation;

constexpr const char* kNamespace = "demo";
constexpr const char* kApp = "podinfo";
constexpr const char* kStatsApp = "checkout";

std::string weight_bar(int weight) {
  const int filled = weight / 10;
  std::string bar;
  for (int i = 0; i < 10; ++i) bar += i < filled ? "#" : ".";
  return "[" + bar + "]";
}

std::string elapsed(std::chrono::system_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  std::ostringstream out;
  out << std::setfill('0') << std::setw(2) << s / 3600 << ":" << std::setw(2) << (s / 60) % 60
      << ":" << std::setw(2) << s % 60;
  return out.str();
}

struct RevisionRun {
  std::string image;
  std::string phase;
  std::vector<int> weights;
  std::string verdict;
  std::string evidence;
  std::string sim_time;
  std::size_t alerts = 0;
};

class Demo {
 public:
  Demo(std::ostream& out, std::string provider, std::chrono::milliseconds pace)
      : out_(out), provider_(std::move(provider)), pace_(pace) {
    for (const auto& info : sim::served_types()) cluster_.add_type(info);
    cluster_.create(
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}});
    start_ = clock_.now();
  }

  // The Canary `app_` from now on: the thresholds one (podinfo) or the statistics one.
  std::string setup(const std::string& app, const json& canary, const std::string& image) {
    app_ = app;
    auto d = cluster_.create(sim::deployment(kNamespace, app, image));
    if (!d) return d.error().message;
    auto c = cluster_.create(canary);
    if (!c) return c.error().message;
    return "";
  }
  const std::string& provider() const { return provider_; }
  // The real metrics checker on simulated traffic (5,000 requests a minute, seeded).
  void use_statistics() { statistics_ = true; }

  // Runs passes until the Canary reaches one of `phases`; false when it does not in time.
  bool run_until(const std::set<std::string>& phases, RevisionRun* run) {
    for (int i = 0; i < 400; ++i) {
      sim::kubelet_pass(cluster_, kNamespace);
      controller::ReconcilerSettings settings;
      settings.decide.default_provider = provider_;
      controller::MetricsChecker& metrics =
          statistics_ ? static_cast<controller::MetricsChecker&>(checker_) : metrics_;
      CanaryReconciler reconciler(cluster_, clock_, hooks_, metrics, alerts_, settings);
      reconciler.on_report([&](const controller::ReconcileReport& report) { print(report, run); });
      auto result = reconciler.reconcile(std::string(kNamespace) + "/" + app_);
      if (phases.count(phase())) return true;
      clock_.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
    }
    return false;
  }

  void set_image(const std::string& image) {
    auto d = *cluster_.get({kube::type_of("apps/v1", "Deployment"), kNamespace, app_});
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    cluster_.update(d);
    out_ << "\n"
         << elapsed(clock_.now() - start_) << "  kubectl set image deployment/" << app_
         << " app=" << image << "\n";
  }

  std::string phase() {
    auto c = cluster_.get({controller::canary_type(), kNamespace, app_});
    return c ? c->value("status", json::object()).value("phase", "") : "";
  }

  RevisionRun rollout(const std::string& image) {
    RevisionRun run;
    run.image = image;
    const auto began = clock_.now();
    const auto alerts_before = alerts_.messages().size();
    set_image(image);
    run_until({"Progressing"}, &run);
    run_until({"Succeeded", "Failed"}, &run);
    run.phase = phase();
    run.sim_time = elapsed(clock_.now() - began);
    run.alerts = alerts_.messages().size() - alerts_before;
    auto c = *cluster_.get({controller::canary_type(), kNamespace, app_});
    const auto& metrics =
        c["status"].value("evidence", json::object()).value("metrics", json::array());
    if (!metrics.empty()) {
      run.verdict = metrics[0].value("name", "") + ": " + metrics[0].value("verdict", "");
      const auto& ev = metrics[0].value("evidence", json::object());
      std::ostringstream e;
      if (ev.contains("sequential_state")) {
        run.evidence = sequential_evidence(ev, c["status"].value("rollout", json::object()));
      } else {
        e << "value " << ev.value("value", 0.0) << "% (min " << ev.value("min", 0.0) << "%)";
        run.evidence = e.str();
      }
    }
    return run;
  }

  // "e-value 0.04; canary 52/5000 errors, primary 470/45000; held 2 looks on no data"
  static std::string sequential_evidence(const json& ev, const json& rollout) {
    const auto& s = ev["sequential_state"];
    std::ostringstream e;
    e << "e-value " << std::setprecision(3) << ev.value("e_value", 0.0) << "; canary "
      << s.value("canaryErrors", 0) << "/" << s.value("canaryTotal", 0) << " errors, primary "
      << s.value("primaryErrors", 0) << "/" << s.value("primaryTotal", 0);
    if (rollout.value("noDataLooks", 0) > 0)
      e << "; held " << rollout.value("noDataLooks", 0) << " looks on no data";
    return e.str();
  }

  void print(const controller::ReconcileReport& report, RevisionRun* run) {
    if (run && (run->weights.empty() || run->weights.back() != report.canary_weight))
      run->weights.push_back(report.canary_weight);
    for (const auto& event : report.events) {
      out_ << elapsed(clock_.now() - start_) << "  " << std::left << std::setw(16)
           << model::to_string(report.phase) << weight_bar(report.canary_weight) << " "
           << std::right << std::setw(3) << report.canary_weight << "%  "
           << (event.warning ? "! " : "") << event.message << "\n";
      out_.flush();
      if (pace_.count() > 0) std::this_thread::sleep_for(pace_);
    }
    if (!report.error.empty()) out_ << "   error: " << report.error << "\n";
  }

  std::string time_now() { return elapsed(clock_.now() - start_); }

  kube::Cluster& cluster() { return cluster_; }
  base::Clock& clock() { return clock_; }

  // After the script, with the dashboard on: one reconcile of each Canary and 10 simulated
  // seconds, so requests made from the dashboard (promote, retry, ...) take effect.
  void idle_pass() {
    sim::kubelet_pass(cluster_, kNamespace);
    for (const auto* app : {kApp, kStatsApp}) {
      if (!cluster_.get({controller::canary_type(), kNamespace, app})) continue;
      controller::ReconcilerSettings settings;
      settings.decide.default_provider = provider_;
      controller::MetricsChecker& metrics = app == std::string(kStatsApp)
                                                ? static_cast<controller::MetricsChecker&>(checker_)
                                                : metrics_;
      CanaryReconciler reconciler(cluster_, clock_, hooks_, metrics, alerts_, settings);
      app_ = app;
      reconciler.on_report(
          [&](const controller::ReconcileReport& report) { print(report, nullptr); });
      reconciler.reconcile(std::string(kNamespace) + "/" + app);
    }
    clock_.advance(std::chrono::seconds(10));
  }

 private:
  std::ostream& out_;
  std::string provider_;
  std::chrono::milliseconds pace_;
  base::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  sim::ApprovingHooks hooks_;
  sim::ImageMetrics metrics_{cluster_};
  sim::SimulatedTraffic traffic_{cluster_, clock_, kNamespace, kStatsApp, 5'000, 12};
  runtime::AnalysisMetricsChecker checker_{cluster_, clock_, {"", {}, &traffic_}};
  sim::RecordingAlerts alerts_;
  base::Clock::TimePoint start_;
  std::string app_ = kApp;
  bool statistics_ = false;
};

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
      .choices("provider", {"istio", "linkerd", "smi:v1alpha2", "gatewayapi", "kubernetes"});
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
  Demo demo(call.out, provider, std::chrono::milliseconds(pace));
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
  call.out << "veer demo: Canary " << kNamespace << "/" << kApp << " via " << provider
           << " (10% steps to 50%, 1m interval, success rate >= 99%, 2 failed checks roll back)\n"
           << "simulated cluster and clock; hh:mm:ss is simulated time\n\n";
  if (auto error = demo.setup(kApp, sim::canary(kNamespace, kApp, provider),
                              "ghcr.io/stefanprodan/podinfo:6.0.0");
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

  if (provider == "kubernetes") {  // blue/green only: no weighted traffic to compare
    call.out << "\nSummary\n";
    print_table(call.out, {&good, &bad});
    const bool ok = good.phase == "Succeeded" && bad.phase == "Failed";
    call.out << "\n"
             << (ok ? "The good revision was promoted and the bad one rolled back."
                    : "Unexpected outcome.")
             << " (The sequential-test part needs weighted routing: not with kubernetes.)\n";
    return finish(ok ? 0 : 1);
  }
  call.out << "\nveer demo: Canary " << kNamespace << "/" << kStatsApp
           << " compares canary and primary errors with the sequential test (10% margin, "
              "alpha 0.05, earlyPromotion), on 5,000 simulated requests a minute\n";
  if (auto error = demo.setup(kStatsApp, sim::sequential_canary(kNamespace, kStatsApp, provider),
                              "example.com/checkout:1.0");
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
