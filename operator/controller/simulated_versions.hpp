// The data plane and Prometheus of an Experiment's versions, simulated, for `veer demo
// --experiment` and the Experiment e2e: each version serves the share of `requests_per_second`
// that the Istio VirtualService on the cluster sends to its Service now, and the queries of
// docs/experiments.md are answered for it over the window the query names: requests and 5xx
// (`istio_requests_total`, by `destination_workload`) and the conversion rate
// (`checkout_orders_total / checkout_visits_total`, by `app`). Counts are drawn (Poisson
// requests, binomial errors and orders) from a generator seeded by the version and the second,
// and kept for the queries of one look: asking the same look again gives the same counts.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "analysis/providers/metrics_source.hpp"
#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::controller::simulation {

struct SimulatedVersion {
  std::string host;          // its Service, the VirtualService destination (<svc>-<version>)
  double success = 0.999;    // share of requests answered without a 5xx
  double conversion = 0.05;  // share of requests that end in an order
};

// The weight per destination host (its first DNS label) in the routes of VirtualService `name`;
// empty when it is absent.
std::map<std::string, int> virtual_service_weights(kube::Cluster& cluster, const std::string& ns,
                                                   const std::string& name);

class VersionTraffic final : public analysis::MetricsSource {
 public:
  // `versions`: by Deployment name (what the queries select).
  VersionTraffic(kube::Cluster& cluster, base::Clock& clock, std::string ns,
                 std::string virtual_service, std::map<std::string, SimulatedVersion> versions,
                 double requests_per_second, std::uint64_t seed);

  base::Outcome<double> instant(const std::string& query,
                                std::optional<double> at_unix_seconds) override;
  base::Outcome<std::vector<double>> range(const std::string& query, double, double,
                                           double) override {
    return base::fail("the simulated Prometheus answers instant queries only: " + query);
  }

 private:
  struct Window {
    base::Clock::TimePoint at{};
    double seconds = 0;
    double requests = 0, errors = 0, orders = 0;
  };
  const Window& window_of(const std::string& workload, double seconds);

  kube::Cluster& cluster_;
  base::Clock& clock_;
  std::string ns_, virtual_service_;
  std::map<std::string, SimulatedVersion> versions_;
  double requests_per_second_;
  std::uint64_t seed_;
  std::mutex mutex_;                       // an HTTP stand-in may ask from several threads
  std::map<std::string, Window> windows_;  // the last look's, by workload
};

}  // namespace veer::controller::simulation
