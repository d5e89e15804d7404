// Everything the dashboard needs, started together: the History and its Recorder, the Access
// gate, the page handler and a listener of the operator's own HTTP server (status_server.hpp).
#pragma once

#include <memory>
#include <string>

#include "operator/dashboard/dashboard.hpp"
#include "operator/dashboard/recorder.hpp"
#include "operator/dashboard/reviews.hpp"
#include "operator/server/status_server.hpp"

namespace veer::dashboard {

struct DashboardOptions {
  std::string host = "127.0.0.1";
  int port = 0;                      // 0 picks a free port
  std::string shared_token;          // "" = none
  std::unique_ptr<Reviews> reviews;  // nullptr = only the shared token
  DashboardSettings settings;
};

class DashboardServer {
 public:
  // Throws std::runtime_error when the address cannot be bound (as StatusServer).
  DashboardServer(kube::Cluster& cluster, base::Clock& clock, DashboardOptions options);
  ~DashboardServer();
  int port() const { return http_->port(); }
  std::string address() const { return host_ + ":" + std::to_string(port()); }
  const Recorder& recorder() const { return *recorder_; }
  const Recorder& experiment_recorder() const { return *experiment_recorder_; }
  void stop();

 private:
  std::string host_;
  std::unique_ptr<Reviews> reviews_;
  History history_;
  Access access_;
  Dashboard dashboard_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<Recorder> experiment_recorder_;
  std::unique_ptr<server::StatusServer> http_;
};

}  // namespace veer::dashboard
