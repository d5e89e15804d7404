// A whole Experiment on the in-memory cluster under a simulated clock, driven pass by pass
// through the real reconcile; every pass uses a brand-new reconciler, as a restarted operator
// would. Traffic is scripted: each version serves its weight's share of `requests_per_look`
// requests per look (all of them in a performance experiment: the load goes to every version),
// with true success, conversion and slow-request rates per version, drawn from a
// generator seeded by (version, look), so measuring the same look again gives the same counts.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/kube/memory_cluster.hpp"

namespace veer::controller::experiment::testing {

struct TrueRates {
  double success = 0.999;
  double conversion = 0.05;
  double slow = 0.01;  // share of requests slower than the latency limit ("slow-requests")
};

// Every version meets the success-rate guardrail; express converts best (8% against 5%).
inline const std::map<std::string, TrueRates> kExpressBest{
    {"current", {0.999, 0.05}}, {"one-page", {0.999, 0.05}}, {"express", {0.999, 0.08}}};

class ScriptedVersions final : public ExperimentMetrics {
 public:
  ScriptedVersions(std::map<std::string, TrueRates> rates, double requests_per_look)
      : rates_(std::move(rates)), requests_per_look_(requests_per_look) {}
  base::Outcome<std::vector<analysis::experiment::VersionCounts>> measure(
      const model::Experiment& experiment, double window_seconds) override;
  int calls = 0;
  bool outage = false;  // every measurement fails, as an unreachable Prometheus

 private:
  std::map<std::string, TrueRates> rates_;
  double requests_per_look_;
};

struct World {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};
  kube::Cluster* api = &cluster;  // what the operator talks to (tests may wrap `cluster`)
  ScriptedVersions metrics;
  ExperimentOutbound outbound;  // gates' poster and alerts (tests set them)
  bool gateway_accepts = true;  // a Gateway controller accepts every HTTPRoute at each pass
  std::string last_error;

  World(nlohmann::json experiment, std::map<std::string, TrueRates> rates,
        double requests_per_look = 3000);
  kube::ReconcileResult pass();
  // Passes until the phase is one of the finished ones (or `limit` passes).
  void run(int limit = 400);

  nlohmann::json experiment();
  std::string phase();
  nlohmann::json get(const std::string& api_version, const std::string& kind,
                     const std::string& name);
  std::string image_of(const std::string& deployment);
  // The weight per Service host in the VirtualService checkout (-1: none).
  std::map<std::string, int> routed();
  std::vector<nlohmann::json> events();
};

}  // namespace veer::controller::experiment::testing
