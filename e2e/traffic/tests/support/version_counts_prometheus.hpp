// A Prometheus stand-in for an Experiment's versions (a test fixture: the scripted data plane of
// the Experiment e2e). No request flows: its answers come from the controller's simulated
// versions (operator/controller/simulated_versions.hpp) on the real clock, whose traffic follows
// the weights of the Istio VirtualService on the API server at the moment of the query.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "operator/controller/simulated_versions.hpp"
#include "testing/http_server.hpp"

namespace veer::e2e::traffic {

class VersionCountsPrometheus {
 public:
  VersionCountsPrometheus(kube::Cluster& api, std::string ns, std::string virtual_service,
                          std::map<std::string, controller::simulation::SimulatedVersion> versions,
                          double requests_per_second, std::uint64_t seed);

  std::string url() const { return server_.url(); }
  std::size_t queries() const { return server_.request_count(); }
  // The queries it could not answer, each with the reason (empty when all were understood).
  std::vector<std::string> refused() const;

 private:
  testing::HttpResponse answer(const testing::HttpRequest& request);

  base::RealClock clock_;
  controller::simulation::VersionTraffic traffic_;
  mutable std::mutex mutex_;
  std::vector<std::string> refused_;
  testing::HttpServer server_;
};

}  // namespace veer::e2e::traffic
