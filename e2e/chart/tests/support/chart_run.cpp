#include "e2e/chart/tests/support/chart_run.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "e2e/controller/tests/support/builtin_metrics.hpp"
#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "e2e/controller/tests/support/fake_prometheus.hpp"
#include "e2e/controller/tests/support/knative_stand_in.hpp"
#include "e2e/controller/tests/support/kubelet.hpp"
#include "e2e/controller/tests/support/operator_process.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kName = "podinfo";
const kube::ResourceType kServices{"", "v1", "services", "Service"};
const kube::ResourceType kAutoscalers{"autoscaling", "v1", "horizontalpodautoscalers",
                                      "HorizontalPodAutoscaler"};
const kube::ResourceType kIngresses{"networking.k8s.io", "v1", "ingresses", "Ingress"};
const kube::ResourceType kDestinationRules{"networking.istio.io", "v1beta1", "destinationrules",
                                           "DestinationRule"};
const kube::ResourceType kVirtualServices{"networking.istio.io", "v1beta1", "virtualservices",
                                          "VirtualService"};
const kube::ResourceType kTrafficSplits{"split.smi-spec.io", "v1alpha1", "trafficsplits",
                                        "TrafficSplit"};
const kube::ResourceType kHttpProxies{"projectcontour.io", "v1", "httpproxies", "HTTPProxy"};
const kube::ResourceType kTraefikServices{"traefik.io", "v1alpha1", "traefikservices",
                                          "TraefikService"};
const kube::ResourceType kApisixRoutes{"apisix.apache.org", "v2", "apisixroutes", "ApisixRoute"};
const kube::ResourceType kRouteTables{"gateway.solo.io", "v1", "routetables", "RouteTable"};
const kube::ResourceType kUpstreams{"gloo.solo.io", "v1", "upstreams", "Upstream"};
// Cluster-scoped: read and removed without a namespace.
const kube::ResourceType kTrafficRoutes{"kuma.io", "v1alpha1", "trafficroutes", "TrafficRoute"};
constexpr const char* kPrimaryRevision = "veer.dev/primary-revision";

json experiment(const std::string& ns) {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{
        {"name", name},
        {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", deployment}}}};
  };
  return {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata", {{"name", "checkout"}, {"namespace", ns}}},
      {"spec",
       {{"provider", "istio"},
        {"service", {{"name", "checkout"}, {"port", 8080}}},
        {"baseline", version("current", "checkout")},
        {"candidates", json::array({version("express", "checkout-express")})},
        {"metrics", json::array({{{"name", "request-success-rate"}}})},
        {"criteria",
         {{"objectives", json::array({{{"metric", "request-success-rate"}, {"lowerLimit", 99}}})}}},
        {"strategy", {{"testingPattern", "canary"}, {"traffic", "progressive"}}},
        {"duration", {{"interval", "10s"}, {"iterations", 5}}}}}};
}

json target(const std::string& ns, const std::string& image) {
  auto d = controller::simulation::deployment(ns, kName, image);
  auto& pod = d["spec"]["template"]["spec"];
  pod["volumes"] =
      json::array({{{"name", "config"}, {"configMap", {{"name", "podinfo-config"}}}},
                   {{"name", "secret"}, {"secret", {{"secretName", "podinfo-secret"}}}}});
  pod["containers"][0]["volumeMounts"] =
      json::array({{{"name", "config"}, {"mountPath", "/config"}},
                   {{"name", "secret"}, {"mountPath", "/secret"}}});
  return d;
}

json config_map(const std::string& ns, const std::string& color) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "podinfo-config"}, {"namespace", ns}}},
          {"data", {{"color", color}}}};
}

json secret(const std::string& ns, const std::string& token) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "podinfo-secret"}, {"namespace", ns}}},
          {"stringData", {{"token", token}}}};
}

json autoscaler(const std::string& ns) {
  return {
      {"apiVersion", "autoscaling/v1"},
      {"kind", "HorizontalPodAutoscaler"},
      {"metadata", {{"name", kName}, {"namespace", ns}}},
      {"spec",
       {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", kName}}},
        {"minReplicas", 2},
        {"maxReplicas", 4},
        {"targetCPUUtilizationPercentage", 80}}}};
}

// The Service a run's Canary routes: Kuma's TrafficRoute is cluster-scoped and named after it, so
// runs side by side name it after their namespace (one route each, not one for all).
std::string apex_name(const std::string& ns, const std::string& provider) {
  return provider == "kuma" ? ns : kName;
}

// The Knative Canary reads the queue-proxy's request series through MetricTemplates, as the
// controller e2e's Knative case does (the fake Prometheus's builtin_series("knative")).
std::vector<json> knative_metric_templates(const std::string& ns) {
  const std::string sel = R"(namespace_name="{{ namespace }}",configuration_name="{{ target }}")";
  auto metric_template = [&](const std::string& name, const std::string& query) {
    return json{{"apiVersion", "veer.dev/v1beta1"},
                {"kind", "MetricTemplate"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"spec", {{"provider", {{"type", "prometheus"}}}, {"query", query}}}};
  };
  return {
      metric_template("knative-success-rate",
                      "sum(rate(revision_app_request_count{" + sel +
                          R"(,response_code_class!="5xx"}[{{ interval }}])) / )"
                          "sum(rate(revision_app_request_count{" +
                          sel + "}[{{ interval }}])) * 100"),
      metric_template("knative-latency",
                      "histogram_quantile(0.99, sum(rate(revision_app_request_latencies_bucket{" +
                          sel + "}[{{ interval }}])) by (le))")};
}

// The Knative target: Knative's own shape, a template with one container (its revisions are the
// stand-in's).
json knative_service(const std::string& ns, const std::string& image) {
  json container = {
      {"name", "podinfo"}, {"image", image}, {"ports", json::array({{{"containerPort", 9898}}})}};
  return {{"apiVersion", "serving.knative.dev/v1"},
          {"kind", "Service"},
          {"metadata", {{"name", kName}, {"namespace", ns}}},
          {"spec",
           {{"template",
             {{"metadata", {{"labels", {{"app", kName}}}}},
              {"spec", {{"containers", json::array({container})}}}}}}}};
}

// A Knative Service's Canary: no spec.service (Knative routes between its own revisions), no
// autoscaler, and the metrics of knative_metric_templates.
json knative_canary(const std::string& ns) {
  auto metric = [](const char* name, const char* range, int bound) {
    return json{{"name", name},
                {"templateRef", {{"name", std::string("knative-") + name}}},
                {"interval", "1m"},
                {"thresholdRange", {{range, bound}}}};
  };
  json analysis = {
      {"interval", "5s"},
      {"threshold", 1},
      {"maxWeight", 20},
      {"stepWeight", 10},
      {"metrics", json::array({metric("success-rate", "min", 99), metric("latency", "max", 500)})}};
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", kName}, {"namespace", ns}}},
          {"spec",
           {{"provider", "knative"},
            {"targetRef",
             {{"apiVersion", "serving.knative.dev/v1"}, {"kind", "Service"}, {"name", kName}}},
            {"progressDeadlineSeconds", 60},
            {"analysis", analysis}}}};
}

json canary(const std::string& ns, const std::string& provider) {
  json analysis = {{"interval", "5s"},
                   {"threshold", 1},
                   {"maxWeight", 20},
                   {"stepWeight", 10},
                   {"metrics", builtin_metrics()}};
  json service = {{"port", 9898}, {"targetPort", 9898}};
  if (provider == "kuma") service["name"] = apex_name(ns, provider);
  if (provider == "gatewayapi")
    service["gatewayRefs"] = json::array({{{"name", "public"}, {"namespace", ns}}});
  json spec = {
      {"provider", provider},
      {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", kName}}},
      {"autoscalerRef",
       {{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}, {"name", kName}}},
      {"revertOnDeletion", true},
      {"progressDeadlineSeconds", 60},
      {"service", service},
      {"analysis", analysis}};
  if (provider == "nginx")
    spec["ingressRef"] = {
        {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", kName}};
  if (provider == "apisix")
    spec["routeRef"] = {
        {"apiVersion", "apisix.apache.org/v2"}, {"kind", "ApisixRoute"}, {"name", kName}};
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", kName}, {"namespace", ns}}},
          {"spec", spec}};
}

// The user's Ingress of an nginx Canary, which veer copies into podinfo-canary.
json ingress(const std::string& ns) {
  json backend = {{"service", {{"name", kName}, {"port", {{"number", 9898}}}}}};
  json path = {{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}};
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", kName}, {"namespace", ns}}},
          {"spec",
           {{"ingressClassName", "nginx"},
            {"rules", json::array({{{"host", "app.example.com"},
                                    {"http", {{"paths", json::array({path})}}}}})}}}};
}

// The user's ApisixRoute of an apisix Canary (spec.routeRef), whose rule veer copies into
// podinfo-podinfo-canary with the weights.
json apisix_route(const std::string& ns) {
  json rule = {{"name", "main"},
               {"match", {{"hosts", {"app.example.com"}}, {"paths", {"/*"}}}},
               {"backends", json::array({{{"serviceName", kName}, {"servicePort", 9898}}})}};
  return {{"apiVersion", "apisix.apache.org/v2"},
          {"kind", "ApisixRoute"},
          {"metadata", {{"name", kName}, {"namespace", ns}}},
          {"spec", {{"ingressClassName", "apisix"}, {"http", json::array({rule})}}}};
}

// The objects a run starts from: the target with its configuration and HPA, the router's own
// input (nginx: the user's Ingress; apisix: the user's ApisixRoute), and the Canary. A DaemonSet
// target has no HPA (nothing to scale) and mounts nothing; a Knative Service has neither, and
// its Canary's MetricTemplates.
std::vector<json> run_objects(const std::string& ns, const std::string& provider, bool daemon_set) {
  if (provider == "knative") {
    auto objects = knative_metric_templates(ns);
    objects.push_back(knative_service(ns, "ghcr.io/veer-e2e/podinfo:1.0.0"));
    objects.push_back(knative_canary(ns));
    return objects;
  }
  if (daemon_set) {
    auto c = canary(ns, provider);
    c["spec"].erase("autoscalerRef");
    c["spec"]["targetRef"]["kind"] = "DaemonSet";
    return {controller::simulation::daemon_set(ns, kName, "ghcr.io/veer-e2e/podinfo:1.0.0"), c};
  }
  std::vector<json> objects = {config_map(ns, "blue"), secret(ns, "one"),
                               target(ns, "ghcr.io/veer-e2e/podinfo:1.0.0"), autoscaler(ns)};
  if (provider == "nginx") objects.push_back(ingress(ns));
  if (provider == "apisix") objects.push_back(apisix_route(ns));
  objects.push_back(canary(ns, provider));
  return objects;
}

std::vector<std::string> forbidden_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find("forbidden") != std::string::npos || line.find("Forbidden") != std::string::npos)
      lines.push_back(line);
  return lines;
}

// One run's fixtures; everything is removed (namespace, processes) on destruction.
class Run {
 public:
  Run(E2eCluster& cluster, const RunOptions& options, bool daemon_set)
      : cluster_(cluster), options_(options), daemon_set_(daemon_set) {}
  ~Run() {
    // A probe that saw its refusal has nothing more to show: killed at once, as its shutdown would
    // wait for a read held by a lazily started informer's first list (up to 10 s).
    if (process_) process_->stop(stopped_ ? SIGKILL : SIGTERM, 20s);
    // Cluster-scoped, so not removed with the namespace (a probe refused its delete leaves it).
    if (options_.provider == "kuma" && !ns_.empty())
      (void)cluster_.api().remove({kTrafficRoutes, "", apex_name(ns_, "kuma")});
    knative_.reset();
    kubelet_.reset();
    gateway_.reset();
    prometheus_.reset();
    if (!ns_.empty()) cluster_.delete_namespace(ns_);
  }

  RunResult go() {
    // In the order of run_phases().
    return go({[&] { return initialize(); },
               [&] { return roll_out("ghcr.io/veer-e2e/podinfo:2.0.0", "Succeeded"); },
               [&] { return follow_changes(); },
               [&] { return roll_out("ghcr.io/veer-e2e/podinfo:3.0.0-bad", "Failed"); },
               [&] { return switch_provider(); }, [&] { return delete_canary(); }},
              run_phases());
  }

  // Another router's objects: initialized, a good revision promoted (the route created, watched
  // and its weights updated), the Canary moved to provider kubernetes (the router's objects
  // deleted) and deleted with revertOnDeletion.
  RunResult go_router() {
    if (options_.provider == "gloo")  // its Upstreams are written only when they differ
      return go({[&] { return initialize(); }, [&] { return upstream_put_back(); },
                 [&] { return roll_out("ghcr.io/veer-e2e/podinfo:2.0.0", "Succeeded"); },
                 [&] { return switch_provider(); }, [&] { return delete_canary(); }},
                gloo_phases());
    return go({[&] { return initialize(); },
               [&] { return roll_out("ghcr.io/veer-e2e/podinfo:2.0.0", "Succeeded"); },
               [&] { return switch_provider(); }, [&] { return delete_canary(); }},
              router_phases());
  }

  // A DaemonSet target: initialized (its -primary copy created, the target's pods taken away by
  // a nodeSelector patch) and a new revision promoted (the copy updated).
  RunResult go_daemon_set() {
    return go({[&] { return initialize(); },
               [&] { return roll_out("ghcr.io/veer-e2e/podinfo:2.0.0", "Succeeded"); }},
              daemon_set_phases());
  }

  // A Knative Service as the target: initialized (traffic all to its first revision) and its
  // second revision promoted through the Service's spec.traffic. It has no provider to switch to.
  RunResult go_knative() {
    return go({[&] { return initialize(); },
               [&] { return roll_out("ghcr.io/veer-e2e/podinfo:2.0.0", "Succeeded"); }},
              knative_phases());
  }

  RunResult go_experiment() {
    return go({[&] { return start_experiment(); }}, experiment_phases());
  }

 private:
  // A probe of anything but an update goes from initialization straight to the provider switch:
  // only an update is first needed by a promotion, a change followed or a rollback (measured:
  // every other probe is refused at initialization, or at the switch, where the old router's
  // objects are listed and deleted). A control runs every phase.
  bool detour(const std::string& phase) const {
    static const std::vector<std::string> detours = {"promoted", "upstream put back",
                                                     "changes followed", "rolled back"};
    return options_.stop_on && options_.stop_on->verb != "update" &&
           std::find(detours.begin(), detours.end(), phase) != detours.end() &&
           std::find(names_.begin(), names_.end(), "provider switched") != names_.end();
  }

  RunResult go(const std::vector<std::function<std::string()>>& steps,
               const std::vector<std::string>& names) {
    RunResult result;
    names_ = names;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto& name = names[i];
      if (detour(name)) continue;
      result.error = steps[i]();
      if (stopped_) break;
      if (!result.error.empty()) {
        result.error = name + ": " + result.error;
        break;
      }
      result.phases.push_back(name);
    }
    // A refusal logged as the last step ends (a finalizer's delete refused as the Canary goes)
    // counts too.
    refusal_seen();
    result.stopped = stopped_;
    if (stopped_) result.error.clear();
    const auto log = process_ ? process_->log() : "";
    result.forbidden = forbidden_lines(log);
    result.log_tail = log.size() > 3000 ? "..." + log.substr(log.size() - 3000) : log;
    return result;
  }

  // Polls until `done` says "" (finished) or a reason it cannot; stops on the awaited refusal.
  std::string wait(const std::function<std::optional<std::string>()>& done,
                   std::chrono::seconds limit, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (refusal_seen()) return "";
      if (auto outcome = done()) return *outcome;
      if (!process_->running()) return "veer operator exited";
      std::this_thread::sleep_for(200ms);
    }
    return what + " did not happen within " + std::to_string(limit.count()) + " s";
  }

  bool refusal_seen() {
    if (!options_.stop_on || !process_) return false;
    for (const auto& line : forbidden_lines(process_->log()))
      if (refused_permission(line) == options_.stop_on) stopped_ = true;
    return stopped_;
  }

  std::string phase() {
    auto c = cluster_.api().get({kCanaries, ns_, kName});
    return c ? c->value("status", json::object()).value("phase", "") : "";
  }

  // The kubelet and Prometheus stand-ins and `veer operator` for the run's namespace.
  void start_operator() {
    if (options_.provider == "knative")
      knative_ = std::make_unique<KnativeStandIn>(cluster_.api(), ns_);
    else
      kubelet_ = std::make_unique<KubeletStandIn>(
          cluster_.api(), ns_,
          daemon_set_ ? KubeletStandIn::Kind::DaemonSets : KubeletStandIn::Kind::Deployments);
    if (options_.provider == "gatewayapi")  // veer waits for the route's acceptance
      gateway_ =
          std::make_unique<KubeletStandIn>(cluster_.api(), ns_, KubeletStandIn::Kind::HttpRoutes);
    prometheus_ = std::make_unique<FakePrometheus>(builtin_series(options_.provider), [this] {
      auto t = cluster_.api().get({target_type(), ns_, kName});
      return t && controller::simulation::image_of(*t).find("bad") != std::string::npos;
    });
    const auto log = std::filesystem::temp_directory_path() / (ns_ + "-operator.log");
    std::filesystem::remove(log);
    auto args = OperatorProcess::arguments(
        {options_.kubeconfig, ns_, "kubernetes", prometheus_->url(), log.string()});
    args.insert(args.end(), {"--leader-elect", "--leader-election-namespace",
                             options_.lease_namespace.empty() ? ns_ : options_.lease_namespace});
    process_ = std::make_unique<ChildProcess>(args, log.string());
  }

  // Both versions' Deployments and the Experiment; done when its status says Running.
  std::string start_experiment() {
    ns_ = unique_name("veer-chart-" + options_.label);
    auto& api = cluster_.api();
    if (auto error = cluster_.create_namespace(ns_); !error.empty()) return error;
    for (const auto& object :
         {controller::simulation::deployment(ns_, "checkout", "ghcr.io/veer-e2e/checkout:1"),
          controller::simulation::deployment(ns_, "checkout-express",
                                             "ghcr.io/veer-e2e/checkout:2"),
          experiment(ns_)})
      if (auto created = api.create(object); !created) return created.error().message;
    start_operator();
    // Running and routed: the status is written first (the intent), the version Services and the
    // VirtualService after it, and a probe refused there (experiments/finalizers: each names the
    // Experiment as owner) is seen only if the run waits for them.
    return wait(
        [&]() -> std::optional<std::string> {
          auto x = cluster_.api().get({kExperiments, ns_, "checkout"});
          if (!x || x->value("status", json::object()).value("phase", "") != "Running")
            return std::nullopt;
          if (!cluster_.api().get({kVirtualServices, ns_, "checkout"})) return std::nullopt;
          return "";
        },
        60s, "the Experiment Running and routed");
  }

  std::string initialize() {
    ns_ = unique_name("veer-chart-" + options_.label);
    auto& api = cluster_.api();
    if (auto error = cluster_.create_namespace(ns_); !error.empty()) return error;
    for (const auto& object : run_objects(ns_, options_.provider, daemon_set_))
      if (auto created = api.create(object); !created) return created.error().message;
    start_operator();
    auto initialized = wait(
        [&]() -> std::optional<std::string> {
          if (phase() == "Initialized") return "";
          return std::nullopt;
        },
        60s, "Initialized");
    if (!initialized.empty() || stopped_) return initialized;
    // The operator reports each transition as an Event (a refused Event is not fatal to it).
    return wait(
        [&]() -> std::optional<std::string> {
          auto events = cluster_.api().list(kube::type_of("v1", "Event"), ns_);
          if (!events) return events.error().message;
          for (const auto& e : events->items)
            if (e.value("involvedObject", json::object()).value("kind", "") == "Canary") return "";
          return std::nullopt;
        },
        15s, "an Event about the Canary");
  }

  // After a promotion the -primary copies hold the target's configuration, and podinfo-primary's
  // HPA the target HPA's bounds (read through the operator's informers, so a refused watch
  // leaves them stale).
  std::optional<std::string> copies_current() {
    auto primary_hpa = cluster_.api().get({kAutoscalers, ns_, std::string(kName) + "-primary"});
    auto hpa = cluster_.api().get({kAutoscalers, ns_, kName});
    if (!primary_hpa || !hpa ||
        primary_hpa->value("/spec/maxReplicas"_json_pointer, 0) !=
            hpa->value("/spec/maxReplicas"_json_pointer, -1))
      return std::nullopt;
    for (const auto& [type, name] :
         {std::pair{kConfigMaps, "podinfo-config"}, std::pair{kSecrets, "podinfo-secret"}}) {
      auto source = cluster_.api().get({type, ns_, name});
      auto copy = cluster_.api().get({type, ns_, std::string(name) + "-primary"});
      if (!source || !copy || source->value("data", json()) != copy->value("data", json()))
        return std::nullopt;
    }
    return "";
  }

  std::string roll_out(const std::string& image, const std::string& end) {
    auto& api = cluster_.api();
    // The new revision changes its configuration too: the -primary copies must follow.
    const auto mark = image.substr(image.rfind(':') + 1);
    std::vector<std::pair<kube::ResourceType, json>> configuration;
    if (!daemon_set_ && !knative())
      configuration = {{kConfigMaps, config_map(ns_, mark)}, {kSecrets, secret(ns_, mark)}};
    for (const auto& [type, object] : configuration)
      if (auto patched =
              api.patch({type, ns_, object["metadata"]["name"]}, kube::PatchType::Merge, object);
          !patched)
        return patched.error().message;
    // The promoted revision comes with new HPA bounds, which podinfo-primary's HPA must follow.
    if (end == "Succeeded" && !daemon_set_ && !knative())
      if (auto patched = api.patch({kAutoscalers, ns_, kName}, kube::PatchType::Merge,
                                   json{{"spec", {{"maxReplicas", 5}}}});
          !patched)
        return patched.error().message;
    json patch = json::array({{{"op", "replace"},
                               {"path", "/spec/template/spec/containers/0/image"},
                               {"value", image}}});
    if (auto patched = api.patch({target_type(), ns_, kName}, kube::PatchType::JsonPatch, patch);
        !patched)
      return patched.error().message;
    bool started = false;
    auto ended = wait(
        [&]() -> std::optional<std::string> {
          const auto now = phase();
          if (now == "Progressing") started = true;
          if (started && now == end) return "";
          if (started && (now == "Succeeded" || now == "Failed")) return "ended " + now;
          return std::nullopt;
        },
        120s, image + " ending " + end);
    if (!ended.empty() || stopped_ || end != "Succeeded") return ended;
    if (daemon_set_) return primary_image_is(image);
    if (knative()) return knative_promoted();
    return wait([&] { return copies_current(); }, 15s,
                "podinfo-config-primary and podinfo-secret-primary holding the new configuration, "
                "podinfo-primary's HPA the new bounds");
  }

  // The promoted image in podinfo-primary (veer's update of the copy).
  std::string primary_image_is(const std::string& image) {
    return wait(
        [&]() -> std::optional<std::string> {
          auto primary = cluster_.api().get({target_type(), ns_, std::string(kName) + "-primary"});
          if (primary && controller::simulation::image_of(*primary) == image) return "";
          return std::nullopt;
        },
        15s, "podinfo-primary running " + image);
  }

  bool knative() const { return options_.provider == "knative"; }

  const kube::ResourceType& target_type() const {
    if (knative()) return kKnativeServices;
    return daemon_set_ ? kDaemonSets : kDeployments;
  }

  // The promoted revision is the Service's latest, named as primary (veer's update of the
  // Service), and it serves all traffic.
  std::string knative_promoted() {
    return wait(
        [&]() -> std::optional<std::string> {
          auto service = cluster_.api().get({kKnativeServices, ns_, kName});
          if (!service) return std::nullopt;
          const auto latest =
              service->value("/status/latestCreatedRevisionName"_json_pointer, std::string());
          const auto primary = (*service)["metadata"]
                                   .value("annotations", json::object())
                                   .value(kPrimaryRevision, std::string());
          if (latest.empty() || primary != latest) return std::nullopt;
          for (const auto& t : service->value("/spec/traffic"_json_pointer, json::array()))
            if (t.value("revisionName", "") == latest && t.value("percent", 0) == 100) return "";
          return std::nullopt;
        },
        15s, "the Knative Service's latest revision promoted, with all traffic");
  }

  // Someone else changes veer's podinfo-canary Service and DestinationRule: veer sees each
  // through its watch (its cache would stay stale without it) and writes its routing back (an
  // update of each).
  std::string follow_changes() {
    const std::string canary = std::string(kName) + "-canary";
    if (auto error = written_back(kServices, canary, "/spec/selector/app",
                                  json{{"spec", {{"selector", {{"app", "someone-else"}}}}}});
        !error.empty() || stopped_)
      return error;
    return written_back(kDestinationRules, canary, "/spec/host",
                        json{{"spec", {{"host", "someone-else"}}}});
  }

  // Merges `change` (setting `field` to "someone-else") into veer's object `name`; "" once veer
  // has put `field` back.
  std::string written_back(const kube::ResourceType& type, const std::string& name,
                           const std::string& field, const json& change) {
    if (auto patched = cluster_.api().patch({type, ns_, name}, kube::PatchType::Merge, change);
        !patched)
      return patched.error().message;
    const json::json_pointer pointer(field);
    return wait(
        [&]() -> std::optional<std::string> {
          auto object = cluster_.api().get({type, ns_, name});
          if (object && object->value(pointer, std::string()) != "someone-else") return "";
          return std::nullopt;
        },
        30s, name + "'s " + field + " put back");
  }

  // Someone points veer's primary Upstream at another Service: veer sees it through its watch and
  // writes it back (an update of the Upstream).
  std::string upstream_put_back() {
    return written_back(kUpstreams, ns_ + "-" + std::string(kName) + "-primaryupstream-9898",
                        "/spec/kube/serviceName",
                        json{{"spec", {{"kube", {{"serviceName", "someone-else"}}}}}});
  }

  // The Canary moved to provider kubernetes (no router objects of its own, the references only
  // the old router read removed, as validation asks): veer deletes the old router's objects
  // (docs/routers.md "Changing the provider").
  std::string switch_provider() {
    const json change = {{"spec",
                          {{"provider", "kubernetes"},
                           {"ingressRef", nullptr},
                           {"routeRef", nullptr},
                           {"service", {{"gatewayRefs", nullptr}}}}}};
    if (auto patched =
            cluster_.api().patch({kCanaries, ns_, kName}, kube::PatchType::Merge, change);
        !patched)
      return patched.error().message;
    const std::string apex = kName;
    std::vector<std::pair<const kube::ResourceType*, std::string>> old;
    if (options_.provider == "istio")
      old = {{&kVirtualServices, apex},
             {&kDestinationRules, apex + "-primary"},
             {&kDestinationRules, apex + "-canary"}};
    else if (options_.provider == "gatewayapi")
      old = {{&kHttpRoutes, apex}};
    else if (options_.provider == "linkerd")
      old = {{&kTrafficSplits, apex}};
    else if (options_.provider == "nginx")
      old = {{&kIngresses, apex + "-canary"}};
    else if (options_.provider == "contour")
      old = {{&kHttpProxies, apex}};
    else if (options_.provider == "traefik")
      old = {{&kTraefikServices, apex}};
    else if (options_.provider == "kuma")
      old = {{&kTrafficRoutes, apex_name(ns_, "kuma")}};
    else if (options_.provider == "apisix")  // veer's copy; the user's ApisixRoute stays
      old = {{&kApisixRoutes, apex + "-" + apex + "-canary"}};
    else if (options_.provider == "gloo")
      old = {{&kRouteTables, apex},
             {&kUpstreams, ns_ + "-" + apex + "-primaryupstream-9898"},
             {&kUpstreams, ns_ + "-" + apex + "-canaryupstream-9898"}};
    if (old.empty()) return "no router objects known for provider " + options_.provider;
    return wait(
        [&]() -> std::optional<std::string> {
          for (const auto& [type, name] : old)
            if (!cluster_.api()
                     .get({*type, *type == kTrafficRoutes ? std::string() : ns_, name})
                     .is(kube::ErrorType::NotFound))
              return std::nullopt;
          return "";
        },
        30s, "the " + options_.provider + " router's objects deleted");
  }

  std::string delete_canary() {
    if (auto removed = cluster_.api().remove({kCanaries, ns_, kName}); !removed)
      return removed.error().message;
    // revertOnDeletion: the finalizer holds the Canary until the target is restored; nginx's
    // canary Ingress copy is deleted then.
    auto gone = [&](const kube::ResourceType& type, const std::string& name) {
      return cluster_.api().get({type, ns_, name}).is(kube::ErrorType::NotFound);
    };
    return wait(
        [&]() -> std::optional<std::string> {
          if (!gone(kCanaries, kName)) return std::nullopt;
          if (options_.provider == "nginx" && !gone(kIngresses, std::string(kName) + "-canary"))
            return std::nullopt;
          return "";
        },
        60s, "the Canary's removal");
  }

  E2eCluster& cluster_;
  RunOptions options_;
  std::string ns_;
  std::unique_ptr<KubeletStandIn> kubelet_;
  std::unique_ptr<KnativeStandIn> knative_;
  std::unique_ptr<KubeletStandIn> gateway_;
  std::unique_ptr<FakePrometheus> prometheus_;
  std::unique_ptr<ChildProcess> process_;
  std::vector<std::string> names_;  // the phases of the run
  bool daemon_set_ = false;         // the target is a DaemonSet (a Deployment otherwise)
  bool stopped_ = false;
};

}  // namespace

const std::vector<std::string>& run_phases() {
  static const std::vector<std::string> phases = {"initialized",       "promoted",
                                                  "changes followed",  "rolled back",
                                                  "provider switched", "reverted"};
  return phases;
}

const std::vector<std::string>& experiment_phases() {
  static const std::vector<std::string> phases = {"experiment running"};
  return phases;
}

namespace {

// `go` on a Run of `options` against VEER_TEST_KUBECONFIG (fails the case when unreachable).
RunResult on_cluster(const RunOptions& options, RunResult (Run::*go)(), bool daemon_set = false) {
  auto cluster = E2eCluster::from_environment();
  if (!cluster) {
    RunResult result;
    result.error = "VEER_TEST_KUBECONFIG is not set (the case is skipped)";
    return result;
  }
  Run run(*cluster, options, daemon_set);
  return (run.*go)();
}

}  // namespace

RunResult run_experiment(const RunOptions& options) {
  return on_cluster(options, &Run::go_experiment);
}

const std::vector<std::string>& router_phases() {
  static const std::vector<std::string> phases = {"initialized", "promoted", "provider switched",
                                                  "reverted"};
  return phases;
}

RunResult run_router(const RunOptions& options) {
  return on_cluster(options, &Run::go_router);
}

const std::vector<std::string>& gloo_phases() {
  static const std::vector<std::string> phases = {"initialized", "upstream put back", "promoted",
                                                  "provider switched", "reverted"};
  return phases;
}

const std::vector<std::string>& knative_phases() {
  static const std::vector<std::string> phases = {"initialized", "promoted"};
  return phases;
}

RunResult run_knative(const RunOptions& options) {
  RunOptions knative = options;
  knative.provider = "knative";
  return on_cluster(knative, &Run::go_knative);
}

const std::vector<std::string>& daemon_set_phases() {
  static const std::vector<std::string> phases = {"initialized", "promoted"};
  return phases;
}

RunResult run_daemon_set(const RunOptions& options) {
  return on_cluster(options, &Run::go_daemon_set, true);
}

RunResult run_rollout(const RunOptions& options) {
  return on_cluster(options, &Run::go);
}

}  // namespace veer::e2e
