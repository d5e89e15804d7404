#include "e2e/controller/tests/support/kubelet.hpp"

#include "operator/kube/time_format.hpp"

namespace veer::e2e {

using nlohmann::json;

namespace {

const kube::ResourceType kDeployments{"apps", "v1", "deployments", "Deployment"};

// The status without timestamps, to tell whether a write is needed.
json comparable(json status) {
  for (auto& c : status["conditions"]) {
    c.erase("lastUpdateTime");
    c.erase("lastTransitionTime");
  }
  return status;
}

}  // namespace

json rolled_out_status(const json& deployment) {
  const auto& spec = deployment.value("spec", json::object());
  const long replicas = spec.value("replicas", 1L);
  const auto now = kube::format_time(std::chrono::system_clock::now());
  const std::string name = deployment["metadata"].value("name", "");
  json status = {
      {"observedGeneration", deployment["metadata"].value("generation", 1L)},
      {"replicas", replicas},
      {"updatedReplicas", replicas},
      {"readyReplicas", replicas},
      {"availableReplicas", replicas},
      {"conditions",
       json::array({{{"type", "Available"},
                     {"status", "True"},
                     {"reason", "MinimumReplicasAvailable"},
                     {"message", "Deployment has minimum availability."},
                     {"lastUpdateTime", now},
                     {"lastTransitionTime", now}},
                    {{"type", "Progressing"},
                     {"status", "True"},
                     {"reason", "NewReplicaSetAvailable"},
                     {"message", "ReplicaSet \"" + name + "\" has successfully progressed."},
                     {"lastUpdateTime", now},
                     {"lastTransitionTime", now}}})}};
  if (replicas == 0) {
    status.erase("readyReplicas");  // as the API server leaves them at zero replicas
    status.erase("availableReplicas");
  }
  return status;
}

KubeletStandIn::KubeletStandIn(kube::Cluster& cluster, std::string ns)
    : cluster_(cluster), ns_(std::move(ns)), thread_([this] { run(); }) {}

KubeletStandIn::~KubeletStandIn() {
  stopping_ = true;
  {
    std::lock_guard lock(stream_mutex_);
    if (stream_ != nullptr) stream_->stop();
  }
  thread_.join();
}

void KubeletStandIn::settle(json deployment) {
  auto wanted = rolled_out_status(deployment);
  if (comparable(deployment.value("status", json::object())) == comparable(wanted)) return;
  deployment["status"] = wanted;
  // A conflict means a newer version exists; its watch event brings it here again.
  if (cluster_.update_status(deployment)) ++writes_;
}

void KubeletStandIn::run() {
  while (!stopping_) {
    auto list = cluster_.list(kDeployments, ns_);
    if (!list) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // retry back-off
      continue;
    }
    for (auto& d : list->items) settle(d);
    kube::WatchOptions options;
    options.resource_version = list->resource_version;
    options.timeout = std::chrono::seconds(60);
    auto watch = cluster_.watch(kDeployments, ns_, options);
    if (!watch) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // retry back-off
      continue;
    }
    {
      std::lock_guard lock(stream_mutex_);
      if (stopping_) return;
      stream_ = watch->get();
    }
    while (auto event = (*watch)->next()) {
      if (event->type == kube::WatchEvent::Type::Added ||
          event->type == kube::WatchEvent::Type::Modified)
        settle(event->object);
      if (event->type == kube::WatchEvent::Type::Error) break;  // relist
    }
    std::lock_guard lock(stream_mutex_);
    stream_ = nullptr;
  }
}

}  // namespace veer::e2e
