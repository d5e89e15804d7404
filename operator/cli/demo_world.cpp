#include "operator/cli/demo_world.hpp"

#include <iomanip>
#include <sstream>
#include <thread>

namespace veer::cli {

using controller::CanaryReconciler;
using nlohmann::json;
namespace sim = controller::simulation;

namespace {

std::string weight_bar(int weight) {
  const int filled = weight / 10;
  std::string bar;
  for (int i = 0; i < 10; ++i) bar += i < filled ? "#" : ".";
  return "[" + bar + "]";
}

// "e-value 0.04; canary 52/5000 errors, primary 470/45000; held 2 looks on no data"
std::string sequential_evidence(const json& ev, const json& rollout) {
  const auto& s = ev["sequential_state"];
  std::ostringstream e;
  e << "e-value " << std::setprecision(3) << ev.value("e_value", 0.0) << "; canary "
    << s.value("canaryErrors", 0) << "/" << s.value("canaryTotal", 0) << " errors, primary "
    << s.value("primaryErrors", 0) << "/" << s.value("primaryTotal", 0);
  if (rollout.value("noDataLooks", 0) > 0)
    e << "; held " << rollout.value("noDataLooks", 0) << " looks on no data";
  return e.str();
}

}  // namespace

std::string demo_elapsed(std::chrono::system_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  std::ostringstream out;
  out << std::setfill('0') << std::setw(2) << s / 3600 << ":" << std::setw(2) << (s / 60) % 60
      << ":" << std::setw(2) << s % 60;
  return out.str();
}

DemoWorld::DemoWorld(std::ostream& out, std::string provider, std::chrono::milliseconds pace)
    : out_(out),
      provider_(std::move(provider)),
      pace_(pace),
      traffic_{cluster_, clock_, kDemoNamespace, kDemoStatsApp, 5'000, 12},
      checker_{cluster_, clock_, {"", {}, &traffic_}} {
  for (const auto& info : sim::served_types()) cluster_.add_type(info);
  cluster_.create(
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kDemoNamespace}}}});
  start_ = clock_.now();
}

std::string DemoWorld::setup(const std::string& app, const DemoApp& objects) {
  app_ = app;
  targets_[app] = objects.canary["spec"]["targetRef"];
  if (auto made = cluster_.create(objects.target); !made) return made.error().message;
  for (const auto& object : objects.routing) {
    if (auto made = cluster_.create(object); !made) return made.error().message;
  }
  if (auto made = cluster_.create(objects.canary); !made) return made.error().message;
  return "";
}

std::string DemoWorld::elapsed_now() {
  return demo_elapsed(clock_.now() - start_);
}

kube::ReconcileResult DemoWorld::reconcile(const std::string& app, RevisionRun* run) {
  controller::ReconcilerSettings settings;
  settings.decide.default_provider = provider_;
  controller::MetricsChecker& metrics = statistics_ && app == kDemoStatsApp
                                            ? static_cast<controller::MetricsChecker&>(checker_)
                                            : metrics_;
  CanaryReconciler reconciler(cluster_, clock_, hooks_, metrics, alerts_, settings);
  reconciler.on_report([&](const controller::ReconcileReport& report) { print(report, run); });
  return reconciler.reconcile(std::string(kDemoNamespace) + "/" + app);
}

bool DemoWorld::run_until(const std::set<std::string>& phases, RevisionRun* run) {
  for (int i = 0; i < 400; ++i) {
    sim::kubelet_pass(cluster_, kDemoNamespace);
    auto result = reconcile(app_, run);
    if (phases.count(phase())) {
      print_repeats();
      return true;
    }
    clock_.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
  }
  print_repeats();
  return false;
}

void DemoWorld::set_image(const std::string& image) {
  const auto& ref = targets_[app_];
  auto target = *cluster_.get(
      {kube::type_of(ref.value("apiVersion", ""), ref.value("kind", "")), kDemoNamespace, app_});
  target["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  cluster_.update(target);
  // A Knative Service has no `kubectl set image`: its template is patched.
  const bool knative = ref.value("kind", "") != "Deployment";
  out_ << "\n"
       << elapsed_now()
       << (knative ? "  kubectl patch ksvc/" + app_ + " (template image " + image + ")"
                   : "  kubectl set image deployment/" + app_ + " app=" + image)
       << "\n";
}

std::string DemoWorld::phase() {
  auto c = cluster_.get({controller::canary_type(), kDemoNamespace, app_});
  return c ? c->value("status", json::object()).value("phase", "") : "";
}

RevisionRun DemoWorld::rollout(const std::string& image) {
  RevisionRun run;
  run.image = image;
  const auto began = clock_.now();
  const auto alerts_before = alerts_.messages().size();
  set_image(image);
  run_until({"Progressing"}, &run);
  run_until({"Succeeded", "Failed"}, &run);
  run.phase = phase();
  run.sim_time = demo_elapsed(clock_.now() - began);
  run.alerts = alerts_.messages().size() - alerts_before;
  auto c = *cluster_.get({controller::canary_type(), kDemoNamespace, app_});
  const auto& metrics =
      c["status"].value("evidence", json::object()).value("metrics", json::array());
  if (!metrics.empty()) {
    run.verdict = metrics[0].value("name", "") + ": " + metrics[0].value("verdict", "");
    const auto& ev = metrics[0].value("evidence", json::object());
    if (ev.contains("sequential_state")) {
      run.evidence = sequential_evidence(ev, c["status"].value("rollout", json::object()));
    } else {
      std::ostringstream e;
      e << "value " << ev.value("value", 0.0) << "% (min " << ev.value("min", 0.0) << "%)";
      run.evidence = e.str();
    }
  }
  return run;
}

void DemoWorld::print(const controller::ReconcileReport& report, RevisionRun* run) {
  if (run && (run->weights.empty() || run->weights.back() != report.canary_weight))
    run->weights.push_back(report.canary_weight);
  for (const auto& event : report.events) {
    out_ << elapsed_now() << "  " << std::left << std::setw(16) << model::to_string(report.phase)
         << weight_bar(report.canary_weight) << " " << std::right << std::setw(3)
         << report.canary_weight << "%  " << (event.warning ? "! " : "") << event.message << "\n";
    out_.flush();
    if (pace_.count() > 0) std::this_thread::sleep_for(pace_);
  }
  if (!report.error.empty() && report.error == last_error_) {
    ++error_repeats_;
    return;
  }
  print_repeats();
  last_error_ = report.error;
  if (!report.error.empty()) out_ << elapsed_now() << "  error: " << report.error << "\n";
}

void DemoWorld::print_repeats() {
  if (error_repeats_ > 0)
    out_ << elapsed_now() << "  (the same error on " << error_repeats_ << " more passes)\n";
  error_repeats_ = 0;
}

void DemoWorld::idle_pass() {
  sim::kubelet_pass(cluster_, kDemoNamespace);
  for (const auto* app : {kDemoApp, kDemoStatsApp}) {
    if (!cluster_.get({controller::canary_type(), kDemoNamespace, app})) continue;
    app_ = app;
    reconcile(app, nullptr);
  }
  print_repeats();
  clock_.advance(std::chrono::seconds(10));
}

}  // namespace veer::cli
