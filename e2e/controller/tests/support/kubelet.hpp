// The kubelet stand-in (a test fixture): the e2e cluster has no kubelet and no deployment
// controller, so this marks every Deployment of one namespace rolled out whenever its spec
// changes: observedGeneration, replicas, updated/ready/available replicas and the Available and
// Progressing conditions, as a healthy rollout leaves them. It follows a watch, so it reacts at
// once; it writes only when the status differs. The same loop stands in for the daemon set
// controller (Kind::DaemonSets) and a Gateway controller accepting HTTPRoutes (Kind::HttpRoutes).
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "operator/kube/cluster.hpp"

namespace veer::e2e {

class KubeletStandIn {
 public:
  // What it stands in for: the kubelet and deployment controller (Deployments), the daemon set
  // controller (DaemonSets: one node, none while veer's scale-to-zero nodeSelector is set), or a
  // Gateway controller (HTTPRoutes: every parent accepts the route's current generation, as
  // status.parents[].conditions Accepted with observedGeneration).
  enum class Kind { Deployments, DaemonSets, HttpRoutes };
  KubeletStandIn(kube::Cluster& cluster, std::string ns, Kind kind = Kind::Deployments);
  ~KubeletStandIn();
  KubeletStandIn(const KubeletStandIn&) = delete;
  KubeletStandIn& operator=(const KubeletStandIn&) = delete;

  // Status writes made so far (for messages).
  std::size_t writes() const { return writes_; }

 private:
  void run();
  void settle(nlohmann::json object);

  kube::Cluster& cluster_;
  std::string ns_;
  Kind kind_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> writes_{0};
  std::mutex stream_mutex_;
  kube::WatchStream* stream_ = nullptr;  // the open watch, stopped on destruction
  std::thread thread_;
};

// The status a healthy kubelet and deployment controller leave on `deployment`.
nlohmann::json rolled_out_status(const nlohmann::json& deployment);

// The status a healthy kubelet and daemon set controller leave on `daemon_set` on a one-node
// cluster: no node scheduled while its pod template selects veer's scale-to-zero label.
nlohmann::json rolled_out_daemon_status(const nlohmann::json& daemon_set);

}  // namespace veer::e2e
