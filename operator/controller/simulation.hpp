// A simulated world around the controller, for `veer demo`, the reconcile tests and the scale
// bench: a kubelet stand-in that marks workloads rolled out, a metrics source whose answers
// depend on the canary's image, a webhook receiver that approves everything and an alert sink
// that keeps what it was sent. Nothing here touches a network.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "analysis/providers/metrics_source.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::controller::simulation {

// Marks every Deployment and DaemonSet in `ns` rolled out and available, except those named in
// `unready`. DaemonSets run on kNodes nodes (none while scaled to zero). Unless `gateway` is
// false it also stands in for a Gateway controller: every parent of every HTTPRoute accepts the
// route's current generation. Writes a status only when it changes (so an idle world makes no
// writes).
inline constexpr long kNodes = 3;
void kubelet_pass(kube::Cluster& cluster, const std::string& ns,
                  const std::set<std::string>& unready = {}, bool gateway = true);

// The status kubelet_pass gives a Deployment: rolled out at its generation, every replica
// available unless `available` is false.
nlohmann::json deployment_status(const nlohmann::json& deployment, bool available);

// Knative Serving's part of kubelet_pass: every Knative Service in `ns` whose template differs
// from its latest revision's gets a new Revision <service>-0000N; a Revision is Ready unless
// named in `unready` (then Ready=Unknown, still deploying, or Ready=False as a test left it); the
// Service's status names its latest created and latest ready revisions at its current generation.
void knative_pass(kube::Cluster& cluster, const std::string& ns,
                  const std::set<std::string>& unready = {});

// The Gateway controller's part of kubelet_pass: HTTPRoutes in `ns` accepted by their parents.
void accept_routes(kube::Cluster& cluster, const std::string& ns);

// Metric verdicts scripted by image: the canary's first container image containing `bad_marker`
// fails every metric (success rate 91.3%), any other passes (99.9%). An image containing
// "nodata" gets NoData for its first two analyses (a metrics server outage), then passes.
class ImageMetrics final : public MetricsChecker {
 public:
  explicit ImageMetrics(kube::Cluster& cluster, std::string bad_marker = "bad")
      : cluster_(cluster), bad_marker_(std::move(bad_marker)) {}
  AnalysisResult analyze(const model::Canary& canary) override;  // from any thread
  std::size_t calls() const { return calls_; }

 private:
  kube::Cluster& cluster_;
  std::string bad_marker_;
  std::atomic<std::size_t> calls_{0};
  std::mutex outage_mutex_;
  std::map<std::string, int> outage_analyses_;  // image -> NoData answers given
};

// A Prometheus stand-in for a binomial comparison, with counter semantics: the instant queries
// `errors_<workload>` and `total_<workload>` (`<workload>` = the target or `<target>-primary`;
// the target is the Canary `app`'s targetRef, a Deployment or a Knative Service)
// answer the requests and errors that side served since it was last answered, so every request
// is counted once. `requests_per_minute` are split by the Canary's weight; the error rate is 1%,
// 3% when the canary's image contains "bad". An image containing "outage" makes its first
// `outage_looks` looks fail as an unreachable Prometheus does. Seeded: the same run every time.
class SimulatedTraffic final : public analysis::MetricsSource {
 public:
  SimulatedTraffic(kube::Cluster& cluster, base::Clock& clock, std::string ns, std::string app,
                   double requests_per_minute, std::uint64_t seed, int outage_looks = 2);
  // `at_unix_seconds` is ignored: each side's counts run from its previous answer to now.
  base::Outcome<double> instant(const std::string& query,
                                std::optional<double> at_unix_seconds) override;
  base::Outcome<std::vector<double>> range(const std::string& query, double, double,
                                           double) override {
    return base::fail("simulated traffic answers instant queries only: " + query);
  }

 private:
  struct Window {
    base::Clock::TimePoint end{};
    double errors = 0;
    double total = 0;
  };
  Window& window_for(bool primary);
  std::string target_image();

  kube::Cluster& cluster_;
  base::Clock& clock_;
  std::string ns_, app_;
  double requests_per_minute_;
  std::mt19937_64 rng_;
  int outage_looks_;
  std::string image_;  // the revision being measured; a new one starts new counters
  std::map<base::Clock::TimePoint, bool> looks_;  // instants asked this revision
  Window canary_, primary_;
};

class ApprovingHooks final : public webhooks::HookPoster {
 public:
  webhooks::HookReply post(const webhooks::HookCall&) override { return {200, "approved", ""}; }
};

class RecordingAlerts final : public AlertSink {
 public:
  void send(const model::Canary& canary, const Alert& alert) override;
  std::vector<std::string> messages() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

// A Deployment `name` running `image`, selected by app=<name>, with 2 replicas.
nlohmann::json deployment(const std::string& ns, const std::string& name, const std::string& image);
// The same as a DaemonSet (no replicas).
nlohmann::json daemon_set(const std::string& ns, const std::string& name, const std::string& image);
// A Canary for that Deployment: canary strategy, 10% steps to 50%, 1m interval, a success-rate
// metric, threshold 2, through `provider`.
nlohmann::json canary(const std::string& ns, const std::string& name, const std::string& provider);
// A Canary like canary() whose metric is a sequential-binomial comparison of `errors_` and
// `total_` (SimulatedTraffic) with a 10% relative margin and earlyPromotion.
nlohmann::json sequential_canary(const std::string& ns, const std::string& name,
                                 const std::string& provider);
// The CRD types the controller and routers use, served by a MemoryCluster.
std::vector<kube::ResourceInfo> served_types();

// The first container image of a workload.
std::string image_of(const nlohmann::json& workload);

}  // namespace veer::controller::simulation
