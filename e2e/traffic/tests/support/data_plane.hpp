// The data-plane stand-in (a test fixture): what a cluster's kubelet, pods and mesh proxies would
// do for one namespace, with real processes on 127.0.0.1.
// - For each Deployment with replicas it runs one sample app process for the Deployment's image
//   (a new image: a new process, started before the old one stops), and only once that app
//   answers, on the loop after it started, does it mark the Deployment rolled out (status as a
//   deployment controller leaves it);
//   a Deployment scaled to zero loses its app.
// - A Canary's routes (Routes::Canary): it reads the routing object veer wrote for `provider`
//   (Istio's VirtualService, SMI's TrafficSplit for linkerd, the HTTPRoute for gatewayapi, the
//   canary Ingress for nginx; with read_routing, independent of veer's meshes/ code) and renders
//   its primary/canary weights, and for A/B the header conditions and their split, into nginx's
//   upstreams, reloading nginx when they change.
// - An Experiment's routes (Routes::Experiment, istio): it reads the VirtualService `target`
//   (read_experiment_routing), finds each destination's workload as a Service does (the Service
//   <svc>-<version>'s selector against the Deployments' pod labels) and renders one weighted
//   upstream over all the versions' apps.
// - It points Prometheus at the apps, labelled as their pods (kubernetes_namespace,
//   kubernetes_pod_name), as a cluster's relabelling does.
// - It measures the split at the apps: the requests each app served while each routing was in
//   force (a Segment).
// One loop, every 100 ms, reading the API server (no watch: it must also notice the apps).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "e2e/controller/tests/support/router_split.hpp"
#include "e2e/traffic/tests/support/nginx_process.hpp"
#include "e2e/traffic/tests/support/prometheus_process.hpp"
#include "e2e/traffic/tests/support/routing.hpp"
#include "e2e/traffic/tests/support/sample_app.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::e2e::traffic {

// The requests the apps served while nginx routed by `routing` (`split` is its rest: the split
// of every request without A/B).
struct Segment {
  Split split;
  long primary = 0;  // served by <target>-primary's app
  long canary = 0;   // served by <target>'s app (the canary)
  Routing routing;
  long primary_marked = 0;             // of `primary`, those marked as A/B insiders (sample_app.py)
  long canary_marked = 0;              // of `canary`, the same
  std::map<std::string, long> served;  // by every app, by workload (Deployment) name
  // Experiment: the routing's weights by the workload its Service selects (empty for a Canary).
  std::map<std::string, int> weights;
};

enum class Routes { Canary, Experiment };

struct DataPlaneOptions {
  // nginx (the canary Ingress): the user's Ingress names the apex Service, so the requests it
  // takes (the primary's share, or all of them without a canary Ingress) go to the workload whose
  // pods the apex Service `<target>` selects, read on every loop, as ingress-nginx sends them to
  // that Service's ready endpoints: a selector switched to pods that are not ready fails requests.
  // Without it the primary's share goes to `<target>-primary` by name.
  // istio: the VirtualService `<target>` routes the apex host; while it names the primary's
  // Service the primary's share goes to `<target>-primary`, and once it is gone (or routes the
  // apex host to itself) every request goes to the workload the apex Service selects, as the
  // sidecars then send the host's requests to that Service's endpoints.
  bool route_by_apex = false;
  // A workload's first app (a new Deployment, or one scaled up from zero) is ready this long after
  // it answers: until then its Deployment is not marked rolled out and a routing that sends it
  // requests is a problem (and nginx answers 503 for that share). A new image's app replaces the
  // old one at once, as without a delay.
  std::chrono::milliseconds ready_delay{0};
};

class DataPlaneStandIn {
 public:
  DataPlaneStandIn(kube::Cluster& cluster, std::string provider, std::string ns, std::string target,
                   std::string dir, NginxProcess& nginx, PrometheusProcess& prometheus,
                   Routes routes = Routes::Canary, std::uint64_t seed = 0,
                   DataPlaneOptions options = {});
  ~DataPlaneStandIn();
  DataPlaneStandIn(const DataPlaneStandIn&) = delete;
  DataPlaneStandIn& operator=(const DataPlaneStandIn&) = delete;

  // Every routing so far, oldest first, counted up to now.
  std::vector<Segment> segments();
  // The requests served under `split` over all segments that had it.
  Segment measured(const Split& split);
  // What went wrong in the stand-in itself, or a router sending traffic to a workload with no
  // ready app; empty when nothing did.
  std::vector<std::string> problems() const;
  // The image each workload's app runs now ("" when it has none).
  std::string app_image(const std::string& workload) const;

 private:
  struct Live {
    std::unique_ptr<SampleApp> app;
    std::string pod;  // the pod name it stands for: <workload>-<n>-<n>
    Served baseline;  // served() when the current segment began
    // Started on this loop: its Deployment is marked rolled out on the next one, after nginx has
    // rendered the routing of this loop. Marked at once, a blue/green switch (all to the canary
    // while the primary rolls out) could end before the stand-in ever read it: veer writes the
    // switch and the primary's new template in one pass, the stand-in saw the template, made the
    // primary ready and read the route before veer wrote it, and one loop later veer had switched
    // back.
    bool fresh = false;
    // Ready (marked rolled out, routable) from then on: DataPlaneOptions::ready_delay.
    std::chrono::steady_clock::time_point ready_at{};
  };

  void run();
  void tick();
  void settle_workloads();
  void settle_routing();
  void close_segment();
  void retire(const std::string& workload);
  // The workload whose pods the Service `service` selects; "" when unknown (yet).
  std::string workload_of(const std::string& service);
  // route_by_apex: the workload the apex Service selects now (not cached: the operator switches
  // it), "" when it selects none; nullopt when the Service cannot be read.
  std::optional<std::string> apex_workload();
  // route_by_apex, istio: whether the apex host goes by the apex Service (no VirtualService
  // `<target>`, or one whose only rule routes every request to the apex host itself); nullopt
  // when the VirtualService cannot be read.
  std::optional<bool> istio_routes_by_apex();
  void problem(const std::string& what);

  kube::Cluster& cluster_;
  std::string provider_;
  std::string ns_;
  std::string target_;
  std::string dir_;
  NginxProcess& nginx_;
  PrometheusProcess& prometheus_;
  Routes routes_;
  std::uint64_t seed_;  // each sample app's (converts-<pct>)
  DataPlaneOptions options_;

  mutable std::mutex mutex_;
  std::map<std::string, Live> apps_;  // by workload name
  // Replaced or scaled away: still counted, stopped one loop after nginx no longer routes to them.
  std::vector<std::pair<std::string, Live>> retired_;
  std::vector<ScrapeTarget> scraped_;
  std::map<std::string, nlohmann::json> pod_labels_;  // by workload with an app: its template's
  std::map<std::string, nlohmann::json> selectors_;   // by Service name (they do not change)
  std::optional<Routing> routed_;
  std::vector<Backend> backends_;
  std::vector<Backend> matched_backends_;
  std::vector<Segment> segments_;
  std::vector<std::string> problems_;
  int started_ = 0;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace veer::e2e::traffic
