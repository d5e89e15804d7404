#include "e2e/controller/tests/support/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include "e2e/controller/tests/support/builtin_metrics.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPrimaryRevision = "veer.dev/primary-revision";

// Knative has no built-in metrics in veer (docs/routers.md): the Canary reads the queue-proxy's
// request series through MetricTemplates, with the operator's --metrics-server as address.
json knative_metric_template(const std::string& ns, const std::string& name,
                             const std::string& query) {
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "MetricTemplate"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"provider", {{"type", "prometheus"}}}, {"query", query}}}};
}

std::vector<json> knative_metric_templates(const std::string& ns) {
  const std::string sel = R"(namespace_name="{{ namespace }}",configuration_name="{{ target }}")";
  return {knative_metric_template(ns, "knative-success-rate",
                                  "sum(rate(revision_app_request_count{" + sel +
                                      R"(,response_code_class!="5xx"}[{{ interval }}])) / )"
                                      "sum(rate(revision_app_request_count{" +
                                      sel + "}[{{ interval }}])) * 100"),
          knative_metric_template(
              ns, "knative-latency",
              "histogram_quantile(0.99, sum(rate(revision_app_request_latencies_bucket{" + sel +
                  "}[{{ interval }}])) by (le))")};
}
constexpr auto kPoll = 200ms;  // how often the test looks at the Canary and router objects

bool terminal(const std::string& phase) {
  return phase == "Succeeded" || phase == "Failed";
}

}  // namespace

std::string to_string(const State& s) {
  std::ostringstream out;
  out << s.phase << " weight " << s.weight << " iterations " << s.iterations << " split "
      << (s.split ? e2e::to_string(*s.split) : "? (" + s.split_error + ")");
  return out.str();
}

bool Trail::saw_weight(int weight) const {
  return std::any_of(states.begin(), states.end(),
                     [&](const State& s) { return s.weight == weight; });
}

bool Trail::saw_split(const Split& split) const {
  return std::any_of(states.begin(), states.end(),
                     [&](const State& s) { return s.split && *s.split == split; });
}

int Trail::max_weight() const {
  int max = 0;
  for (const auto& s : states) max = std::max(max, s.weight);
  return max;
}

int Trail::max_iterations() const {
  int max = 0;
  for (const auto& s : states) max = std::max(max, s.iterations);
  return max;
}

std::string Trail::describe() const {
  std::string text = error.empty() ? "" : error + "\n";
  for (const auto& s : states) text += "  " + to_string(s) + "\n";
  return text;
}

Scenario::Scenario(E2eCluster& cluster, RouterCase router)
    : cluster_(cluster), router_(std::move(router)) {}

Scenario::~Scenario() {
  operator_.reset();  // SIGTERM, then SIGKILL after a grace period
  kubelet_.reset();
  gateway_.reset();
  prometheus_.reset();
  if (!ns_.empty()) cluster_.delete_namespace(ns_);
}

json Scenario::canary_object() const {
  if (is_knative()) {
    // No spec.service: a Knative Service routes between its own revisions.
    auto metric = [](const char* name, const char* range, int bound) {
      return json{{"name", name},
                  {"templateRef", {{"name", std::string("knative-") + name}}},
                  {"interval", "1m"},
                  {"thresholdRange", {{range, bound}}}};
    };
    json analysis = {{"interval", "10s"},
                     {"threshold", 1},
                     {"maxWeight", 20},
                     {"stepWeight", 10},
                     {"metrics", json::array({metric("success-rate", "min", 99),
                                              metric("latency", "max", 500)})}};
    json spec = {{"targetRef",
                  {{"apiVersion", "serving.knative.dev/v1"}, {"kind", "Service"}, {"name", kName}}},
                 {"progressDeadlineSeconds", 60},
                 {"analysis", analysis}};
    if (router_.in_spec) spec["provider"] = router_.provider;
    return {{"apiVersion", "veer.dev/v1beta1"},
            {"kind", "Canary"},
            {"metadata", {{"name", kName}, {"namespace", ns_}}},
            {"spec", spec}};
  }
  json service = {{"port", 9898}, {"targetPort", 9898}};
  if (router_.provider.rfind("gatewayapi", 0) == 0)
    service["gatewayRefs"] = json::array({{{"name", "public"}, {"namespace", ns_}}});
  json analysis = {{"interval", "10s"}, {"threshold", 1}, {"metrics", builtin_metrics()}};
  if (router_.blue_green) {
    analysis["iterations"] = 2;
  } else {
    analysis["maxWeight"] = 20;
    analysis["stepWeight"] = 10;
  }
  json spec = {{"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", kName}}},
               {"progressDeadlineSeconds", 60},
               {"service", service},
               {"analysis", analysis}};
  if (router_.in_spec) spec["provider"] = router_.provider;
  if (router_.provider == "nginx")
    spec["ingressRef"] = {
        {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", kName}};
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", kName}, {"namespace", ns_}}},
          {"spec", spec}};
}

std::string Scenario::set_up(const std::string& first_image) {
  ns_ = unique_name("veer-e2e-" + router_.label);
  if (auto error = cluster_.create_namespace(ns_); !error.empty()) return error;
  auto& api = cluster_.api();
  if (auto error = set_up_target(first_image); !error.empty()) return error;
  if (router_.provider == "nginx") {
    // The user's Ingress, which veer copies into podinfo-canary.
    json ingress = {
        {"apiVersion", "networking.k8s.io/v1"},
        {"kind", "Ingress"},
        {"metadata", {{"name", kName}, {"namespace", ns_}}},
        {"spec",
         {{"ingressClassName", "nginx"},
          {"rules",
           json::array(
               {{{"host", "app.example.com"},
                 {"http",
                  {{"paths", json::array({{{"path", "/"},
                                           {"pathType", "Prefix"},
                                           {"backend",
                                            {{"service",
                                              {{"name", kName},
                                               {"port", {{"number", 9898}}}}}}}}})}}}}})}}}};
    if (auto created = api.create(ingress); !created) return created.error().message;
  }
  if (auto created = api.create(canary_object()); !created) return created.error().message;

  if (is_knative())
    knative_ = std::make_unique<KnativeStandIn>(api, ns_);
  else
    kubelet_ = std::make_unique<KubeletStandIn>(api, ns_);
  if (router_.provider.rfind("gatewayapi", 0) == 0)  // veer waits for the route's acceptance
    gateway_ = std::make_unique<KubeletStandIn>(api, ns_, KubeletStandIn::Kind::HttpRoutes);
  prometheus_ = std::make_unique<FakePrometheus>(builtin_series(router_.provider),
                                                 [this] { return is_bad_image(target_image()); });
  std::string why;
  const auto kubeconfig = cluster_.operator_kubeconfig("veer-e2e-" + router_.label, why);
  if (kubeconfig.empty()) return why;
  const auto log = std::filesystem::temp_directory_path() / (ns_ + "-operator.log");
  std::filesystem::remove(log);
  operator_ = std::make_unique<OperatorProcess>(
      OperatorOptions{kubeconfig, ns_, router_.in_spec ? "istio" : router_.provider,
                      prometheus_->url(), log.string()});
  return operator_->start();
}

// The target: the podinfo Deployment, or the podinfo Knative Service (Knative's own shape: a
// template with one container) with the MetricTemplates its Canary reads.
std::string Scenario::set_up_target(const std::string& first_image) {
  auto& api = cluster_.api();
  if (!is_knative()) {
    auto deployment = api.create(controller::simulation::deployment(ns_, kName, first_image));
    return deployment ? "" : deployment.error().message;
  }
  for (const auto& t : knative_metric_templates(ns_)) {
    if (auto created = api.create(t); !created) return created.error().message;
  }
  json service = {
      {"apiVersion", "serving.knative.dev/v1"},
      {"kind", "Service"},
      {"metadata", {{"name", kName}, {"namespace", ns_}}},
      {"spec",
       {{"template",
         {{"metadata", {{"labels", {{"app", kName}}}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "podinfo"},
                           {"image", first_image},
                           {"ports", json::array({{{"containerPort", 9898}}})}}})}}}}}}}};
  auto created = api.create(service);
  return created ? "" : created.error().message;
}

const kube::ResourceType& Scenario::target_type() const {
  return is_knative() ? kKnativeServices : kDeployments;
}

std::string Scenario::wait_initialized() {
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  State last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = observe();
    if (last.phase == "Initialized") return "";
    std::this_thread::sleep_for(kPoll);
  }
  return "the Canary did not reach Initialized within 90 s; last: " + to_string(last) +
         "\noperator log:\n" + operator_->log_tail();
}

State observe_canary(kube::Cluster& api, const std::string& provider, const std::string& ns,
                     const std::string& name) {
  State state;
  auto canary = api.get({kCanaries, ns, name});
  if (canary) {
    const auto status = canary->value("status", json::object());
    state.phase = status.value("phase", "");
    state.weight = status.value("canaryWeight", 0);
    state.iterations = status.value("iterations", 0);
  } else {
    state.phase = "? (" + canary.error().message + ")";
  }
  state.split = read_split(api, provider, ns, name, state.split_error);
  if (state.split) state.split_error.clear();
  return state;
}

State Scenario::observe() {
  return observe_canary(cluster_.api(), router_.provider, ns_, kName);
}

std::string Scenario::target_image() {
  // A Knative Service keeps its pod template where a Deployment does (spec.template.spec).
  auto target = cluster_.api().get({target_type(), ns_, kName});
  return target ? controller::simulation::image_of(*target) : "";
}

std::string Scenario::primary_image() {
  if (is_knative()) {
    auto revision = cluster_.api().get({kRevisions, ns_, primary_revision()});
    return revision ? revision->value("/spec/containers/0/image"_json_pointer, std::string()) : "";
  }
  auto primary = cluster_.api().get({kDeployments, ns_, std::string(kName) + "-primary"});
  return primary ? controller::simulation::image_of(*primary) : "";
}

json Scenario::canary_status() {
  auto canary = cluster_.api().get({kCanaries, ns_, kName});
  return canary ? canary->value("status", json::object()) : json::object();
}

json Scenario::knative_service() {
  auto service = cluster_.api().get({kKnativeServices, ns_, kName});
  return service ? *service : json();
}

std::string Scenario::primary_revision() {
  const auto service = knative_service();
  if (!service.is_object()) return "";
  return service["metadata"].value("annotations", json::object()).value(kPrimaryRevision, "");
}

long Scenario::target_replicas() {
  auto target = cluster_.api().get({kDeployments, ns_, kName});
  return target ? (*target)["spec"].value("replicas", 1L) : -1;
}

Trail Scenario::roll_out(const std::string& image,
                         const std::function<void(const State&)>& during) {
  Trail trail;
  auto record = [&](const State& s) {
    if (!trail.states.empty() && trail.states.back() == s) return false;
    trail.states.push_back(s);
    return true;
  };
  record(observe());
  json patch = json::array(
      {{{"op", "replace"}, {"path", "/spec/template/spec/containers/0/image"}, {"value", image}}});
  auto patched =
      cluster_.api().patch({target_type(), ns_, kName}, kube::PatchType::JsonPatch, patch);
  if (!patched) {
    trail.error = "cannot set the image: " + patched.error().message;
    return trail;
  }
  bool started = false;
  const auto start_deadline = std::chrono::steady_clock::now() + 60s;
  const auto end_deadline = std::chrono::steady_clock::now() + 240s;
  for (;;) {
    const auto s = observe();
    const bool changed = record(s);
    if (s.phase == "Progressing") started = true;
    if (started && changed && during) during(s);
    if (started && terminal(s.phase)) return trail;
    const auto now = std::chrono::steady_clock::now();
    if (!started && now > start_deadline) {
      trail.error = "the rollout of " + image + " did not start within 60 s";
      break;
    }
    if (now > end_deadline) {
      trail.error = "the rollout of " + image + " did not end within 240 s";
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  trail.error += "\noperator log:\n" + operator_->log_tail();
  return trail;
}

CommandResult Scenario::veer_cli(const std::string& verb) {
  return run_command({OperatorProcess::binary(), verb, kName, "-n", ns_, "--kubeconfig",
                      cluster_.admin_kubeconfig()});
}

std::vector<std::string> Scenario::forbidden_log_lines() const {
  std::vector<std::string> lines;
  std::istringstream log(operator_ ? operator_->log() : "");
  for (std::string line; std::getline(log, line);) {
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("forbidden") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

}  // namespace veer::e2e
