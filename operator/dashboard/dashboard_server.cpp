#include "operator/dashboard/dashboard_server.hpp"

namespace veer::dashboard {

DashboardServer::DashboardServer(kube::Cluster& cluster, base::Clock& clock,
                                 DashboardOptions options)
    : host_(options.host),
      reviews_(std::move(options.reviews)),
      access_(clock, options.shared_token, reviews_.get()),
      dashboard_(cluster, clock, access_, history_, options.settings) {
  http_ = std::make_unique<server::StatusServer>(
      options.host, options.port, std::map<std::string, server::Route>{},
      [this](const server::Request& request) { return dashboard_.handle(request); });
  recorder_ = std::make_unique<Recorder>(cluster, clock, history_, options.settings.ns);
  experiment_recorder_ = std::make_unique<Recorder>(cluster, clock, history_, options.settings.ns,
                                                    Recorded::Experiments);
}

DashboardServer::~DashboardServer() {
  stop();
}

void DashboardServer::stop() {
  if (http_) http_->stop();
  if (recorder_) recorder_->stop();
  if (experiment_recorder_) experiment_recorder_->stop();
}

}  // namespace veer::dashboard
