// Knative Serving's controller stand-in (a test fixture): the e2e cluster has the upstream
// Knative CRDs but no Knative controller, so this does its part for one namespace, as the
// in-memory tests' simulation::knative_pass does: a Revision <service>-0000N per template change
// of a Knative Service, its Ready condition, and the Service's status (observedGeneration,
// latestCreatedRevisionName, latestReadyRevisionName). Revisions named in `unready` stay
// Ready=Unknown. It polls (knative_pass lists and writes only what changed).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "operator/kube/cluster.hpp"

namespace veer::e2e {

class KnativeStandIn {
 public:
  KnativeStandIn(kube::Cluster& cluster, std::string ns);
  ~KnativeStandIn();
  KnativeStandIn(const KnativeStandIn&) = delete;
  KnativeStandIn& operator=(const KnativeStandIn&) = delete;

  // Revisions that stay not ready (still deploying) until released.
  void hold(const std::string& revision);
  void release(const std::string& revision);

 private:
  void run();

  kube::Cluster& cluster_;
  std::string ns_;
  std::mutex mutex_;
  std::set<std::string> unready_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace veer::e2e
