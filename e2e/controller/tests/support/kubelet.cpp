#include "e2e/controller/tests/support/kubelet.hpp"

#include "base/time_format.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "operator/controller/revision.hpp"

namespace veer::e2e {

using nlohmann::json;

namespace {

// The status without timestamps, to tell whether a write is needed.
json comparable(json status) {
  for (auto& c : status["conditions"]) {
    c.erase("lastUpdateTime");
    c.erase("lastTransitionTime");
  }
  return status;
}

// HTTPRoute status without timestamps.
json comparable_parents(json status) {
  for (auto& parent : status["parents"]) {
    for (auto& c : parent["conditions"]) c.erase("lastTransitionTime");
  }
  return status;
}

}  // namespace

json rolled_out_status(const json& deployment) {
  const auto& spec = deployment.value("spec", json::object());
  const long replicas = spec.value("replicas", 1L);
  const auto now = base::format_time(std::chrono::system_clock::now());
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

json rolled_out_daemon_status(const json& daemon_set) {
  const auto selector = daemon_set["spec"]["template"]
                            .value("spec", json::object())
                            .value("nodeSelector", json::object());
  const long nodes = selector.contains(controller::kScaleToZeroNodeSelector) ? 0 : 1;
  json status = {{"observedGeneration", daemon_set["metadata"].value("generation", 1L)},
                 {"desiredNumberScheduled", nodes},
                 {"currentNumberScheduled", nodes},
                 {"numberMisscheduled", 0},
                 {"updatedNumberScheduled", nodes},
                 {"numberReady", nodes},
                 {"numberAvailable", nodes}};
  if (nodes == 0) {
    status.erase("updatedNumberScheduled");  // as the API server leaves them at zero (omitempty)
    status.erase("numberAvailable");
  }
  return status;
}

json accepted_status(const json& route) {
  const auto generation = route["metadata"].value("generation", 1L);
  json parents = json::array();
  for (const auto& ref : route["spec"].value("parentRefs", json::array())) {
    parents.push_back(
        {{"parentRef", ref},
         {"controllerName", "veer.dev/e2e-gateway-stand-in"},
         {"conditions",
          {{{"type", "Accepted"},
            {"status", "True"},
            {"reason", "Accepted"},
            {"message", "accepted by the e2e stand-in"},
            {"observedGeneration", generation},
            {"lastTransitionTime", base::format_time(std::chrono::system_clock::now())}}}}});
  }
  return {{"parents", parents}};
}

KubeletStandIn::KubeletStandIn(kube::Cluster& cluster, std::string ns, Kind kind)
    : cluster_(cluster), ns_(std::move(ns)), kind_(kind), thread_([this] { run(); }) {}

KubeletStandIn::~KubeletStandIn() {
  stopping_ = true;
  {
    std::lock_guard lock(stream_mutex_);
    if (stream_ != nullptr) stream_->stop();
  }
  thread_.join();
}

void KubeletStandIn::settle(json object) {
  const bool routes = kind_ == Kind::HttpRoutes;
  auto wanted = routes                      ? accepted_status(object)
                : kind_ == Kind::DaemonSets ? rolled_out_daemon_status(object)
                                            : rolled_out_status(object);
  const auto current = object.value("status", json::object());
  if (routes ? comparable_parents(current) == comparable_parents(wanted)
             : comparable(current) == comparable(wanted))
    return;
  object["status"] = wanted;
  // A conflict means a newer version exists; its watch event brings it here again.
  if (cluster_.update_status(object)) ++writes_;
}

void KubeletStandIn::run() {
  while (!stopping_) {
    const auto& type = kind_ == Kind::HttpRoutes   ? kHttpRoutes
                       : kind_ == Kind::DaemonSets ? kDaemonSets
                                                   : kDeployments;
    auto list = cluster_.list(type, ns_);
    if (!list) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // retry back-off
      continue;
    }
    for (auto& d : list->items) settle(d);
    kube::WatchOptions options;
    options.resource_version = list->resource_version;
    options.timeout = std::chrono::seconds(60);
    auto watch = cluster_.watch(type, ns_, options);
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
