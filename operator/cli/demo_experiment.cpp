#include "operator/cli/demo_experiment.hpp"

#include <iomanip>
#include <sstream>
#include <thread>

#include "model/document.hpp"
#include "operator/cli/example_experiment.hpp"
#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/controller/experiment/experiment_table.hpp"
#include "operator/controller/simulated_versions.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/experiment_counts_source.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::cli {
namespace {

using nlohmann::json;
namespace ex = controller::experiment;
namespace sim = controller::simulation;

constexpr const char* kSource = "examples/experiment/abn-thompson.yaml";
constexpr const char* kNamespace = "shop";
constexpr const char* kService = "checkout";
// The example's Prometheus address: its MetricTemplates name it, so the demo answers there.
constexpr const char* kPrometheus = "http://prometheus.istio-system:9090";

// By Deployment: each version's Service and its true rates. express converts best.
const std::map<std::string, sim::SimulatedVersion> kVersions{
    {"checkout", {"checkout-current", 0.999, 0.050}},
    {"checkout-one-page", {"checkout-one-page", 0.999, 0.053}},
    {"checkout-express", {"checkout-express", 0.999, 0.065}},
};
constexpr const char* kBest = "express";

std::string clock_text(std::chrono::system_clock::duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  std::ostringstream out;
  out << std::setfill('0') << std::setw(2) << s / 3600 << ":" << std::setw(2) << (s / 60) % 60
      << ":" << std::setw(2) << s % 60;
  return out.str();
}

class ExperimentDemo {
 public:
  ExperimentDemo(std::ostream& out, std::chrono::milliseconds pace) : out_(out), pace_(pace) {
    for (const auto& info : sim::served_types()) cluster_.add_type(info);
    cluster_.add_type({ex::experiment_type(), true, true});
    cluster_.add_type({runtime::types::metric_templates(), true, false});
    cluster_.add_type({runtime::types::alert_providers(), true, false});
    start_ = clock_.now();
  }

  // The namespace, the three Deployments and every document of the example; "" or the error.
  std::string set_up() {
    auto read = model::read_documents(abn_thompson_example(), kSource);
    if (!read.errors.empty()) return kSource + (": " + read.errors.front().message);
    std::vector<json> objects{
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}},
        sim::deployment(kNamespace, "checkout", "example.com/checkout:current"),
        sim::deployment(kNamespace, "checkout-one-page", "example.com/checkout:one-page"),
        sim::deployment(kNamespace, "checkout-express", "example.com/checkout:express")};
    for (const auto& doc : read.documents) {
      objects.push_back(doc.json);
      if (doc.kind == "Experiment") {
        name_ = doc.json["metadata"].value("name", "");
        objects.back()["spec"]["promoteWinner"] = true;
      }
    }
    for (const auto& object : objects)
      if (auto made = cluster_.create(object); !made)
        return "creating " + object.value("kind", "") + ": " + made.error().message;
    return name_.empty() ? std::string(kSource) + " has no Experiment" : "";
  }

  // Passes until the Experiment has finished and, for a winner, the baseline runs it and takes
  // the traffic back (or `limit` passes); its phase.
  std::string run(int limit = 2000) {
    int settling = 0;
    for (int i = 0; i < limit && settling < 5; ++i) {
      pass();
      const auto p = phase();
      if (p == "Completed" || p == "Failed" || p == "Aborted") ++settling;
    }
    return phase();
  }

  json experiment() { return *cluster_.get({ex::experiment_type(), kNamespace, name_}); }
  std::string phase() { return experiment().value("status", json::object()).value("phase", ""); }
  std::string image_of(const std::string& deployment) {
    auto d = cluster_.get({kube::type_of("apps/v1", "Deployment"), kNamespace, deployment});
    return d ? sim::image_of(*d) : "";
  }
  std::map<std::string, int> routed() {
    return sim::virtual_service_weights(cluster_, kNamespace, kService);
  }
  std::string now() { return clock_text(clock_.now() - start_); }

 private:
  void pass() {
    sim::kubelet_pass(cluster_, kNamespace);
    ex::ExperimentReconciler reconciler(cluster_, clock_, counts_);
    reconciler.on_report([&](const ex::ExperimentReport& report) {
      for (const auto& event : report.events) {
        // The look's own line (print_look) says the split with the assessment.
        if (!event.warning && event.message.rfind("Experiment look ", 0) == 0) continue;
        say((event.warning ? "! " : "") + event.message);
      }
      if (!report.error.empty()) say("error: " + report.error);
    });
    auto result = reconciler.reconcile(std::string(kNamespace) + "/" + name_);
    print_look();
    clock_.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
  }

  // One line per look taken: its weights and assessment.
  void print_look() {
    const auto e = experiment();
    const auto status = e.value("status", json::object());
    const int look = status.value("completedIterations", 0);
    if (look == printed_look_) return;
    printed_look_ = look;
    const auto row = ex::experiment_row(e);
    const auto evidence = status.value("evidence", json::object());
    std::ostringstream line;
    line << "look " << row.looks << "  " << row.weights << "  P(best) "
         << (row.p_best.empty() ? "-" : row.p_best) << "  " << evidence.value("decision", "");
    say(line.str());
  }

  void say(const std::string& text) {
    out_ << now() << "  " << text << "\n";
    out_.flush();
    if (pace_.count() > 0) std::this_thread::sleep_for(pace_);
  }

  std::ostream& out_;
  std::chrono::milliseconds pace_;
  base::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  sim::VersionTraffic traffic_{cluster_, clock_, kNamespace, kService, kVersions, 100, 42};
  runtime::ExperimentCountsSource counts_{cluster_,
                                          {kPrometheus, std::chrono::seconds(5), &traffic_}};
  base::Clock::TimePoint start_;
  std::string name_;
  int printed_look_ = 0;
};

}  // namespace

int run_experiment_demo(std::ostream& out, std::ostream& err, std::chrono::milliseconds pace) {
  ExperimentDemo demo(out, pace);
  out << "veer demo --experiment: " << kSource
      << " (A/B/n on Istio, Thompson sampling, 5m looks, success rate >= 99%, reward "
         "conversion-rate), with promoteWinner: true\n"
      << "simulated cluster, clock and traffic (100 requests/s; true conversion: current 5.0%, "
         "one-page 5.3%, express 6.5%); hh:mm:ss is simulated time\n\n";
  if (auto error = demo.set_up(); !error.empty()) {
    err << "veer demo: " << error << "\n";
    return 1;
  }
  const auto phase = demo.run();
  const auto e = demo.experiment();
  const auto row = controller::experiment::experiment_row(e);
  out << "\n" << controller::experiment::render_experiment_table({row});
  const auto winner = e["status"].value("winner", "");
  const auto baseline_image = demo.image_of("checkout");
  const auto routes = demo.routed();
  const bool promoted = phase == "Completed" && winner == kBest &&
                        baseline_image == demo.image_of("checkout-express") &&
                        routes.count("checkout-current") && routes.at("checkout-current") == 100;
  out << "\n"
      << (promoted ? "The best version, express, won and was promoted: the baseline Deployment "
                     "checkout now runs " +
                         baseline_image + " and takes all the traffic."
                   : "Unexpected outcome: phase " + phase + ", winner '" + winner +
                         "', baseline runs " + baseline_image + ".")
      << "\n";
  return promoted ? 0 : 1;
}

}  // namespace veer::cli
