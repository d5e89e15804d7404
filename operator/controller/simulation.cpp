#include "operator/controller/simulation.hpp"

#include "operator/controller/revision.hpp"

namespace veer::controller::simulation {

using nlohmann::json;

void kubelet_pass(kube::Cluster& cluster, const std::string& ns,
                  const std::set<std::string>& unready) {
  auto write = [&](json& workload, const json& status) {
    if (workload.value("status", json::object()) == status) return;
    workload["status"] = status;
    cluster.update_status(workload);
  };
  if (auto list = cluster.list(kube::type_of("apps/v1", "Deployment"), ns)) {
    for (auto& d : list->items) {
      const auto replicas = d["spec"].value("replicas", 1L);
      const auto available = unready.count(kube::name_of(d)) ? 0L : replicas;
      write(d, {{"observedGeneration", d["metadata"].value("generation", 1L)},
                {"replicas", replicas},
                {"updatedReplicas", replicas},
                {"readyReplicas", available},
                {"availableReplicas", available}});
    }
  }
  if (auto list = cluster.list(kube::type_of("apps/v1", "DaemonSet"), ns)) {
    for (auto& d : list->items) {
      const auto selector =
          d["spec"]["template"].value("spec", json::object()).value("nodeSelector", json::object());
      const long nodes = selector.contains(kScaleToZeroNodeSelector) ? 0 : kNodes;
      const long available = unready.count(kube::name_of(d)) ? 0L : nodes;
      write(d, {{"observedGeneration", d["metadata"].value("generation", 1L)},
                {"desiredNumberScheduled", nodes},
                {"currentNumberScheduled", nodes},
                {"updatedNumberScheduled", nodes},
                {"numberReady", available},
                {"numberAvailable", available}});
    }
  }
}

std::string image_of(const json& workload) {
  try {
    return workload.at("spec").at("template").at("spec").at("containers").at(0).value("image", "");
  } catch (const json::exception&) {
    return "";
  }
}

AnalysisResult ImageMetrics::analyze(const model::Canary& canary) {
  ++calls_;
  AnalysisResult result;
  auto target = cluster_.get({kube::type_of("apps/v1", canary.spec.target_ref.kind),
                              canary.metadata.namespace_, canary.spec.target_ref.name});
  const bool bad = target && image_of(*target).find(bad_marker_) != std::string::npos;
  if (!canary.spec.analysis) return result;
  for (const auto& metric : canary.spec.analysis->metrics) {
    const double value = bad ? 91.3 : 99.9;
    MetricVerdict verdict;
    verdict.name = metric.name;
    verdict.outcome = bad ? MetricOutcome::Fail : MetricOutcome::Pass;
    verdict.message = metric.name + " " + (bad ? "91.3% < 99%" : "99.9% >= 99%");
    verdict.evidence = {{"test", "threshold"}, {"value", value}, {"min", 99.0}};
    result.metrics.push_back(verdict);
  }
  return result;
}

void RecordingAlerts::send(const model::Canary& canary, const Alert& alert) {
  std::lock_guard lock(mutex_);
  messages_.push_back(std::string(model::to_string(alert.severity)) + " " + canary.metadata.name +
                      ": " + alert.message);
}

std::vector<std::string> RecordingAlerts::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

json deployment(const std::string& ns, const std::string& name, const std::string& image) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}}}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec",
               {{"containers",
                 json::array({{{"name", "app"},
                               {"image", image},
                               {"ports", json::array({{{"containerPort", 9898}}})}}})}}}}}}}};
}

json daemon_set(const std::string& ns, const std::string& name, const std::string& image) {
  auto d = deployment(ns, name, image);
  d["kind"] = "DaemonSet";
  d["spec"].erase("replicas");
  return d;
}

json canary(const std::string& ns, const std::string& name, const std::string& provider) {
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"provider", provider},
            {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
            {"progressDeadlineSeconds", 120},
            {"service", {{"port", 9898}}},
            {"analysis",
             {{"interval", "1m"},
              {"threshold", 2},
              {"maxWeight", 50},
              {"stepWeight", 10},
              {"metrics", json::array({{{"name", "request-success-rate"},
                                        {"interval", "1m"},
                                        {"thresholdRange", {{"min", 99}}}}})}}}}}};
}

std::vector<kube::ResourceInfo> served_types() {
  return {
      {{"veer.dev", "v1beta1", "canaries", "Canary"}, true, true},
      // What a Kubernetes 1.20 server serves (the e2e server's version).
      {{"autoscaling", "v2beta2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
       true,
       true},
      {{"networking.istio.io", "v1beta1", "virtualservices", "VirtualService"}, true, false},
      {{"networking.istio.io", "v1beta1", "destinationrules", "DestinationRule"}, true, false},
      {{"split.smi-spec.io", "v1alpha2", "trafficsplits", "TrafficSplit"}, true, false},
      {{"split.smi-spec.io", "v1alpha1", "trafficsplits", "TrafficSplit"}, true, false},
      {{"gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute"}, true, true},
      {{"gateway.networking.k8s.io", "v1beta1", "httproutes", "HTTPRoute"}, true, true},
  };
}

}  // namespace veer::controller::simulation
