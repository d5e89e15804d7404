// The world `veer demo` runs in: the in-memory cluster, a simulated clock, workloads, metrics and
// traffic, and the real controller driven pass by pass, printing its events as it goes.
#pragma once

#include <chrono>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "operator/cli/demo_routing.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/metrics_checker.hpp"

namespace veer::cli {

inline constexpr const char* kDemoNamespace = "demo";
inline constexpr const char* kDemoApp = "podinfo";        // rolled out on thresholds
inline constexpr const char* kDemoStatsApp = "checkout";  // rolled out on the sequential test

// One revision's rollout, for the summary table.
struct RevisionRun {
  std::string image;
  std::string phase;
  std::vector<int> weights;
  std::string verdict;
  std::string evidence;
  std::string sim_time;
  std::size_t alerts = 0;
};

class DemoWorld {
 public:
  DemoWorld(std::ostream& out, std::string provider, std::chrono::milliseconds pace);

  // The app `app.canary` names is the one driven from now on; "" or why it could not be created.
  std::string setup(const std::string& app, const DemoApp& objects);
  // The real metrics checker on simulated traffic (5,000 requests a minute, seeded) for the
  // statistics app from now on, instead of metrics scripted by image.
  void use_statistics() { statistics_ = true; }

  // Runs passes until the Canary reaches one of `phases`; false when it does not in 400 passes.
  bool run_until(const std::set<std::string>& phases, RevisionRun* run);
  // Sets the target's image, runs the rollout it starts to its end and says how it went.
  RevisionRun rollout(const std::string& image);
  std::string phase();

  // After the script, with the dashboard on: one reconcile of each Canary and 10 simulated
  // seconds, so requests made from the dashboard (promote, retry, ...) take effect.
  void idle_pass();

  kube::Cluster& cluster() { return cluster_; }
  base::Clock& clock() { return clock_; }

 private:
  void set_image(const std::string& image);
  kube::ReconcileResult reconcile(const std::string& app, RevisionRun* run);
  void print(const controller::ReconcileReport& report, RevisionRun* run);
  void print_repeats();
  std::string elapsed_now();

  std::ostream& out_;
  std::string provider_;
  std::chrono::milliseconds pace_;
  base::SimulatedClock clock_;
  kube::MemoryCluster cluster_{clock_};
  controller::simulation::ApprovingHooks hooks_;
  controller::simulation::ImageMetrics metrics_{cluster_};
  controller::simulation::SimulatedTraffic traffic_;
  runtime::AnalysisMetricsChecker checker_;
  controller::simulation::RecordingAlerts alerts_;
  base::Clock::TimePoint start_;
  std::map<std::string, nlohmann::json> targets_;  // app -> its Canary's targetRef
  std::string app_;
  bool statistics_ = false;
  // A reconcile error is printed once while it repeats (a Canary the router refuses fails every
  // pass the same way); how often it came again is said when it changes.
  std::string last_error_;
  int error_repeats_ = 0;
};

// "00:03:10": simulated time since the demo began.
std::string demo_elapsed(std::chrono::system_clock::duration d);

}  // namespace veer::cli
