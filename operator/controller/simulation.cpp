#include "operator/controller/simulation.hpp"

#include <algorithm>
#include <cstdio>

#include "operator/controller/revision.hpp"

namespace veer::controller::simulation {

using nlohmann::json;

void accept_routes(kube::Cluster& cluster, const std::string& ns) {
  for (const char* version : {"v1", "v1beta1"}) {
    auto list = cluster.list(
        kube::type_of(std::string("gateway.networking.k8s.io/") + version, "HTTPRoute"), ns);
    if (!list) continue;  // not served
    for (auto& route : list->items) {
      const auto generation = route["metadata"].value("generation", 1L);
      json parents = json::array();
      for (const auto& ref : route["spec"].value("parentRefs", json::array())) {
        parents.push_back({{"parentRef", ref},
                           {"controllerName", "veer.dev/gateway-stand-in"},
                           {"conditions",
                            {{{"type", "Accepted"},
                              {"status", "True"},
                              {"reason", "Accepted"},
                              {"message", ""},
                              {"observedGeneration", generation}}}}});
      }
      const json status = {{"parents", parents}};
      if (route.value("status", json::object()) == status) continue;
      route["status"] = status;
      cluster.update_status(route);
    }
  }
}

void knative_pass(kube::Cluster& cluster, const std::string& ns,
                  const std::set<std::string>& unready) {
  const auto revision_type = kube::type_of("serving.knative.dev/v1", "Revision");
  auto services = cluster.list(kube::type_of("serving.knative.dev/v1", "Service"), ns);
  if (!services) return;
  auto revisions = cluster.list(revision_type, ns);
  if (!revisions) return;
  // No empty strings: the e2e API server (Kubernetes 1.20) stores "" in custom resources as null.
  auto ready_condition = [](bool ready) {
    json condition = {{"type", "Ready"}, {"status", ready ? "True" : "Unknown"}};
    if (!ready) condition["reason"] = "Deploying";
    return json::array({condition});
  };
  // The template a Revision was made from, kept on it (as Knative keys a Revision on its
  // Configuration's generation): a real API server prunes and defaults the Revision's spec, so
  // the copy read back is not the template to compare with.
  const auto template_key =
      json::json_pointer("/metadata/annotations/simulation.veer.dev~1template");
  for (auto& service : services->items) {
    const auto name = kube::name_of(service);
    const auto& template_ = service["spec"].value("template", json::object());
    std::string latest_created, latest_ready;
    int count = 0;
    for (auto& revision : revisions->items) {
      if (revision["metadata"]
              .value("labels", json::object())
              .value("serving.knative.dev/service", "") != name)
        continue;
      ++count;
      const auto revision_name = kube::name_of(revision);
      latest_created = std::max(latest_created, revision_name);  // zero-padded: sorts by age
      const bool ready = !unready.count(revision_name);
      if (ready) latest_ready = std::max(latest_ready, revision_name);
      const auto conditions = revision.value("status", json::object()).value("conditions", json());
      const bool failed = conditions.is_array() && !conditions.empty() &&
                          conditions[0].value("status", "") == "False";
      if (!(failed && !ready) && conditions != ready_condition(ready)) {
        revision["status"] = {{"conditions", ready_condition(ready)}};
        cluster.update_status(revision);
      }
    }
    auto created = std::find_if(revisions->items.begin(), revisions->items.end(),
                                [&](const json& r) { return kube::name_of(r) == latest_created; });
    if (created == revisions->items.end() ||
        created->value(template_key, std::string()) != template_.dump()) {
      char suffix[16];  // an int in %05d takes up to 11 bytes with the NUL
      std::snprintf(suffix, sizeof suffix, "%05d", count + 1);
      latest_created = name + "-" + suffix;
      json revision = {{"apiVersion", "serving.knative.dev/v1"},
                       {"kind", "Revision"},
                       {"metadata",
                        {{"name", latest_created},
                         {"namespace", ns},
                         {"labels", {{"serving.knative.dev/service", name}}},
                         {"annotations", {{"simulation.veer.dev/template", template_.dump()}}}}},
                       {"spec", template_.value("spec", json::object())}};
      if (auto made = cluster.create(revision)) {
        const bool ready = !unready.count(latest_created);
        (*made)["status"] = {{"conditions", ready_condition(ready)}};
        cluster.update_status(*made);
        if (ready) latest_ready = latest_created;
      }
    }
    json status = {{"observedGeneration", service["metadata"].value("generation", 1L)},
                   {"latestCreatedRevisionName", latest_created},
                   {"conditions", ready_condition(latest_ready == latest_created)}};
    if (!latest_ready.empty()) status["latestReadyRevisionName"] = latest_ready;
    if (service.value("status", json::object()) != status) {
      service["status"] = status;
      cluster.update_status(service);
    }
  }
}

json deployment_status(const json& deployment, bool available) {
  const auto replicas = deployment["spec"].value("replicas", 1L);
  const auto ready = available ? replicas : 0L;
  return {{"observedGeneration", deployment["metadata"].value("generation", 1L)},
          {"replicas", replicas},
          {"updatedReplicas", replicas},
          {"readyReplicas", ready},
          {"availableReplicas", ready}};
}

void kubelet_pass(kube::Cluster& cluster, const std::string& ns,
                  const std::set<std::string>& unready, bool gateway) {
  if (gateway) accept_routes(cluster, ns);
  knative_pass(cluster, ns, unready);
  auto write = [&](json& workload, const json& status) {
    if (workload.value("status", json::object()) == status) return;
    workload["status"] = status;
    cluster.update_status(workload);
  };
  if (auto list = cluster.list(kube::type_of("apps/v1", "Deployment"), ns)) {
    for (auto& d : list->items) write(d, deployment_status(d, !unready.count(kube::name_of(d))));
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
  const auto& ref = canary.spec.target_ref;
  auto target =
      cluster_.get({kube::type_of(ref.api_version.empty() ? "apps/v1" : ref.api_version, ref.kind),
                    canary.metadata.namespace_, ref.name});
  const auto image = target ? image_of(*target) : "";
  const bool bad = image.find(bad_marker_) != std::string::npos;
  if (!canary.spec.analysis) return result;
  bool outage = false;
  if (image.find("nodata") != std::string::npos) {
    std::lock_guard lock(outage_mutex_);
    outage = outage_analyses_[image]++ < 2;
  }
  if (outage) {
    for (const auto& metric : canary.spec.analysis->metrics)
      result.metrics.push_back({metric.name, MetricOutcome::NoData,
                                "simulated outage: Prometheus unreachable", nullptr});
    return result;
  }
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

SimulatedTraffic::SimulatedTraffic(kube::Cluster& cluster, base::Clock& clock, std::string ns,
                                   std::string app, double requests_per_minute, std::uint64_t seed,
                                   int outage_looks)
    : cluster_(cluster),
      clock_(clock),
      ns_(std::move(ns)),
      app_(std::move(app)),
      requests_per_minute_(requests_per_minute),
      rng_(seed),
      outage_looks_(outage_looks) {}

SimulatedTraffic::Window& SimulatedTraffic::window_for(bool primary) {
  auto& w = primary ? primary_ : canary_;
  const auto now = clock_.now();
  if (w.end == now) return w;  // errors_ and total_ of one look share one window
  auto canary = cluster_.get({canary_type(), ns_, app_});
  const int weight = canary ? canary->value("status", json::object()).value("canaryWeight", 0) : 0;
  const double share = (primary ? 100 - weight : weight) / 100.0;
  const bool bad = image_.find("bad") != std::string::npos;
  const double rate = primary || !bad ? 0.01 : 0.03;
  const auto since = w.end == base::Clock::TimePoint{} ? now - std::chrono::minutes(1) : w.end;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - since).count();
  const auto requests =
      static_cast<std::uint64_t>(std::llround(requests_per_minute_ * share * minutes));
  std::binomial_distribution<std::uint64_t> errors(requests, rate);
  w = {now, static_cast<double>(errors(rng_)), static_cast<double>(requests)};
  return w;
}

// The image of the Canary's target (a Deployment, or a Knative Service's template); the
// Deployment `app_` without a Canary.
std::string SimulatedTraffic::target_image() {
  auto canary = cluster_.get({canary_type(), ns_, app_});
  const auto ref = canary ? canary->value("spec", json::object()).value("targetRef", json::object())
                          : json::object();
  auto target = cluster_.get(
      {kube::type_of(ref.value("apiVersion", "apps/v1"), ref.value("kind", "Deployment")), ns_,
       ref.value("name", app_)});
  return target ? image_of(*target) : "";
}

base::Outcome<double> SimulatedTraffic::instant(const std::string& query, std::optional<double>) {
  const auto image = target_image();
  if (image != image_) {  // a new revision: its counters start now
    image_ = image;
    looks_.clear();
    canary_ = primary_ = Window{};
  }
  looks_[clock_.now()] = true;
  if (image_.find("outage") != std::string::npos &&
      static_cast<int>(looks_.size()) <= outage_looks_)
    return base::fail("simulated outage: Prometheus at http://prometheus:9090 unreachable");
  const bool errors = query.rfind("errors_", 0) == 0;
  if (!errors && query.rfind("total_", 0) != 0)
    return base::fail("simulated traffic has no series for " + query);
  const auto& w = window_for(query.find("-primary") != std::string::npos);
  return errors ? w.errors : w.total;
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

json sequential_canary(const std::string& ns, const std::string& name,
                       const std::string& provider) {
  auto c = canary(ns, name, provider);
  c["spec"]["analysis"]["metrics"] =
      json::array({{{"name", "error-rate"},
                    {"interval", "1m"},
                    {"query", "error_ratio_{{ target }}"},  // the comparison's queries decide
                    {"comparison",
                     {{"test", "sequential-binomial"},
                      {"relativeMargin", 0.1},
                      {"alpha", 0.05},  // what veer demo announces; the default is 0.01
                      {"earlyPromotion", true},
                      {"errors", {{"query", "errors_{{ target }}"}}},
                      {"total", {{"query", "total_{{ target }}"}}}}}}});
  return c;
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
      {{"projectcontour.io", "v1", "httpproxies", "HTTPProxy"}, true, true},
      {{"gateway.solo.io", "v1", "routetables", "RouteTable"}, true, true},
      {{"gloo.solo.io", "v1", "upstreams", "Upstream"}, true, true},
      {{"traefik.io", "v1alpha1", "traefikservices", "TraefikService"}, true, false},
      {{"apisix.apache.org", "v2", "apisixroutes", "ApisixRoute"}, true, true},
      {{"kuma.io", "v1alpha1", "trafficroutes", "TrafficRoute"}, false, false},
      {{"serving.knative.dev", "v1", "services", "Service"}, true, true},
      {{"serving.knative.dev", "v1", "revisions", "Revision"}, true, true},
  };
}

}  // namespace veer::controller::simulation
