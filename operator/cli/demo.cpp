// `veer demo`: the real controller on the in-memory cluster with simulated workloads and metrics
// under a fast simulated clock. One good revision is promoted, one bad revision rolled back; the
// progress is printed as it goes and a summary table at the end. No network.
#include <chrono>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <thread>

#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"

namespace veer::cli {
namespace {

using controller::CanaryReconciler;
using nlohmann::json;
namespace sim = controller::simulation;

constexpr const char* kNamespace = "demo";
constexpr const char* kApp = "podinfo";

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

  std::string setup() {
    auto d =
        cluster_.create(sim::deployment(kNamespace, kApp, "ghcr.io/stefanprodan/podinfo:6.0.0"));
    if (!d) return d.error().message;
    auto c = cluster_.create(sim::canary(kNamespace, kApp, provider_));
    if (!c) return c.error().message;
    return "";
  }

  // Runs passes until the Canary reaches one of `phases`; false when it does not in time.
  bool run_until(const std::set<std::string>& phases, RevisionRun* run) {
    for (int i = 0; i < 400; ++i) {
      sim::kubelet_pass(cluster_, kNamespace);
      controller::ReconcilerSettings settings;
      settings.decide.default_provider = provider_;
      CanaryReconciler reconciler(cluster_, clock_, hooks_, metrics_, alerts_, settings);
      reconciler.on_report([&](const controller::ReconcileReport& report) { print(report, run); });
      auto result = reconciler.reconcile(std::string(kNamespace) + "/" + kApp);
      if (phases.count(phase())) return true;
      clock_.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
    }
    return false;
  }

  void set_image(const std::string& image) {
    auto d = *cluster_.get({kube::type_of("apps/v1", "Deployment"), kNamespace, kApp});
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    cluster_.update(d);
    out_ << "\n"
         << elapsed(clock_.now() - start_) << "  kubectl set image deployment/" << kApp
         << " app=" << image << "\n";
  }

  std::string phase() {
    auto c = cluster_.get({controller::canary_type(), kNamespace, kApp});
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
    auto c = *cluster_.get({controller::canary_type(), kNamespace, kApp});
    const auto& metrics =
        c["status"].value("evidence", json::object()).value("metrics", json::array());
    if (!metrics.empty()) {
      run.verdict = metrics[0].value("name", "") + ": " + metrics[0].value("verdict", "");
      const auto& ev = metrics[0].value("evidence", json::object());
      std::ostringstream e;
      e << "value " << ev.value("value", 0.0) << "% (min " << ev.value("min", 0.0) << "%)";
      run.evidence = e.str();
    }
    return run;
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

 private:
  std::ostream& out_;
  std::string provider_;
  std::chrono::milliseconds pace_;
  kube::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  sim::ApprovingHooks hooks_;
  sim::ImageMetrics metrics_{cluster_};
  sim::RecordingAlerts alerts_;
  kube::Clock::TimePoint start_;
};

std::string join_weights(const std::vector<int>& weights) {
  std::string text;
  for (int w : weights) text += (text.empty() ? "" : ">") + std::to_string(w);
  return text;
}

int run_demo(Invocation& call) {
  std::string provider = "istio";
  std::string pace_text = "60";
  ArgParser parser(
      "demo", "",
      "Runs veer's controller on an in-memory cluster with simulated workloads and "
      "metrics under a fast clock: a good revision is promoted, a bad one rolled back. "
      "No cluster or network needed.");
  parser.option("provider", &provider, "NAME", "traffic router to simulate")
      .choices("provider", {"istio", "linkerd", "smi:v1alpha2", "gatewayapi", "kubernetes"});
  parser.option("pace", &pace_text, "MS", "real milliseconds to pause after each progress line");
  auto parsed = parser.parse(call.args, call.out);
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

  Demo demo(call.out, provider, std::chrono::milliseconds(pace));
  call.out << "veer demo: Canary " << kNamespace << "/" << kApp << " via " << provider
           << " (10% steps to 50%, 1m interval, success rate >= 99%, 2 failed checks roll back)\n"
           << "simulated cluster and clock; hh:mm:ss is simulated time\n\n";
  if (auto error = demo.setup(); !error.empty()) {
    call.err << "veer demo: " << error << "\n";
    return 1;
  }
  if (!demo.run_until({"Initialized"}, nullptr)) {
    call.err << "veer demo: the Canary did not initialize\n";
    return 1;
  }
  auto good = demo.rollout("ghcr.io/stefanprodan/podinfo:6.0.1");
  auto bad = demo.rollout("ghcr.io/stefanprodan/podinfo:6.0.2-bad");

  call.out << "\nSummary\n";
  const std::vector<std::string> headers{"REVISION", "RESULT", "WEIGHTS", "LAST VERDICT",
                                         "EVIDENCE", "TIME",   "ALERTS"};
  std::vector<std::vector<std::string>> rows;
  for (const auto* run : {&good, &bad}) {
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
      call.out << std::left << std::setw(static_cast<int>(widths[i]) + 2) << row[i];
    call.out << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
  const bool as_expected = good.phase == "Succeeded" && bad.phase == "Failed";
  call.out << "\n"
           << (as_expected ? "The good revision was promoted and the bad one rolled back."
                           : "Unexpected outcome.")
           << "\n";
  return as_expected ? 0 : 1;
}

}  // namespace

VEER_COMMAND("demo", "run a simulated canary rollout (good and bad revision) in-process", run_demo);

}  // namespace veer::cli
