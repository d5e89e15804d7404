#include "e2e/traffic/tests/support/traffic_rollout.hpp"

#include <cstdlib>
#include <filesystem>

#include "e2e/controller/tests/support/builtin_metrics.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "e2e/traffic/tests/support/loopback.hpp"
#include "operator/controller/simulation.hpp"
#include "testing/skip.hpp"

namespace veer::e2e::traffic {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool terminal(const std::string& phase) {
  return phase == "Succeeded" || phase == "Failed";
}

}  // namespace

std::unique_ptr<E2eCluster> traffic_cluster() {
  auto cluster = E2eCluster::from_environment();
  if (!cluster) return nullptr;
  const char* named = std::getenv("VEER_UPSTREAM_CRDS");
  if ((named == nullptr || *named == '\0') && !std::filesystem::is_directory(upstream_crds_dir())) {
    veer::testing::skip_test("no upstream CRDs in " + upstream_crds_dir() +
                             "; set VEER_UPSTREAM_CRDS to the folder of the upstream router CRDs");
    return nullptr;
  }
  return cluster;
}

std::string install_crds(const E2eCluster& cluster) {
  const auto upstream = upstream_crds_dir();
  const std::vector<std::string> files = {VEER_SOURCE_DIR "/crds",
                                          upstream + "/istio_virtualservices.yaml",
                                          upstream + "/istio_destinationrules.yaml",
                                          upstream + "/smi_trafficsplits.yaml",
                                          upstream + "/gateway-api_gatewayclasses.yaml",
                                          upstream + "/gateway-api_gateways.yaml",
                                          upstream + "/gateway-api_httproutes.yaml",
                                          upstream + "/gateway-api_referencegrants.yaml"};
  for (const auto& file : files) {
    if (!std::filesystem::exists(file))
      return file + " does not exist (set VEER_UPSTREAM_CRDS to the upstream CRDs folder)";
    // kubectl's client-side check refuses the CEL rules a 1.20 server does not know; the server
    // validates the rest. Parallel cases can conflict on a fresh server; a second apply succeeds.
    auto applied = cluster.kubectl({"apply", "--validate=false", "-f", file});
    for (int attempt = 1; applied.status != 0 && attempt < 5; ++attempt)
      applied = cluster.kubectl({"apply", "--validate=false", "-f", file});
    if (applied.status != 0) return "kubectl apply -f " + file + ": " + applied.out;
    auto established = cluster.wait_established(file);
    if (established.status != 0) return file + " not established: " + established.out;
  }
  return "";
}

std::vector<std::string> phases(const Trail& trail) {
  std::vector<std::string> seen;
  for (const auto& s : trail.states)
    if (seen.empty() || seen.back() != s.phase) seen.push_back(s.phase);
  return seen;
}

TrafficRollout::TrafficRollout(E2eCluster& cluster, std::string label, CanaryOptions options)
    : cluster_(cluster), label_(std::move(label)), options_(std::move(options)) {}

TrafficRollout::~TrafficRollout() {
  load_.reset();
  operators_.clear();  // SIGTERM, then SIGKILL after a grace period
  data_plane_.reset();
  gateway_.reset();
  prometheus_.reset();
  nginx_.reset();
  if (!ns_.empty()) cluster_.delete_namespace(ns_);
  // VEER_TRAFFIC_KEEP=1 keeps the logs, configurations and TSDB for a look after the run.
  const char* keep = std::getenv("VEER_TRAFFIC_KEEP");
  if (!dir_.empty() && (keep == nullptr || std::string(keep) != "1")) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

json TrafficRollout::canary_object() const {
  json analysis = {{"interval", options_.interval},
                   {"threshold", 1},
                   {"maxWeight", 30},
                   {"stepWeight", 10},
                   {"metrics", builtin_metrics(options_.metric_interval)}};
  analysis.update(options_.analysis_extra);
  for (const auto& [key, value] : options_.analysis_extra.items())
    if (value.is_null()) analysis.erase(key);
  json service = {{"port", 9898}, {"targetPort", 9898}};
  if (gateway_api())
    service["gatewayRefs"] = json::array({{{"name", "public"}, {"namespace", ns_}}});
  json spec = {{"provider", options_.provider},
               {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", kName}}},
               {"progressDeadlineSeconds", 60},
               {"service", service},
               {"analysis", analysis}};
  spec.update(options_.spec_extra);
  if (options_.provider == "nginx")
    spec["ingressRef"] = {
        {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", kName}};
  return {{"apiVersion", "veer.dev/v1beta1"},
          {"kind", "Canary"},
          {"metadata", {{"name", kName}, {"namespace", ns_}}},
          {"spec", spec}};
}

json TrafficRollout::user_ingress() const {
  json backend = {{"service", {{"name", kName}, {"port", {{"number", 9898}}}}}};
  json path = {{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}};
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", kName}, {"namespace", ns_}}},
          {"spec",
           {{"ingressClassName", "nginx"},
            {"rules", json::array({{{"host", "app.example.com"},
                                    {"http", {{"paths", json::array({path})}}}}})}}}};
}

json TrafficRollout::user_service() const {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", kName}, {"namespace", ns_}}},
          {"spec",
           {{"selector", {{"app", kName}}},
            {"ports", json::array({{{"name", "http"}, {"port", 9898}, {"targetPort", 9898}}})}}}};
}

std::string TrafficRollout::start_programs() {
  nginx_ = std::make_unique<NginxProcess>(dir_ + "/nginx");
  if (auto error = nginx_->start(); !error.empty()) return error;
  prometheus_ = std::make_unique<PrometheusProcess>(dir_ + "/prometheus");
  if (auto error = prometheus_->start(); !error.empty()) return error;
  auto& api = cluster_.api();
  if (gateway_api())  // veer waits for the route's acceptance by the Gateway's controller
    gateway_ = std::make_unique<KubeletStandIn>(api, ns_, KubeletStandIn::Kind::HttpRoutes);
  data_plane_ =
      std::make_unique<DataPlaneStandIn>(api, options_.provider, ns_, kName, dir_, *nginx_,
                                         *prometheus_, Routes::Canary, 0, options_.data_plane);
  return "";
}

std::string TrafficRollout::start_operators() {
  std::string why;
  const auto kubeconfig = cluster_.operator_kubeconfig("veer-traffic-" + label_, why);
  if (kubeconfig.empty()) return why;
  for (int i = 0; i < options_.operator_replicas; ++i) {
    auto args = options_.operator_args;
    if (options_.operator_replicas > 1)
      args.insert(args.end(), {"--leader-elect", "--leader-election-namespace", ns_});
    const auto log = dir_ + "/operator" + (i == 0 ? "" : "-" + std::to_string(i + 1)) + ".log";
    operators_.push_back(std::make_unique<OperatorProcess>(
        OperatorOptions{kubeconfig, ns_, options_.provider, prometheus_->url(), log, args}));
    if (auto error = operators_.back()->start(); !error.empty()) return error;
  }
  return "";
}

std::string TrafficRollout::wait_initialized(Trail* trail) {
  State last;
  if (!wait_until(
          [&] {
            last = observe();
            if (trail != nullptr && (trail->states.empty() || !(trail->states.back() == last)))
              trail->states.push_back(last);
            return last.phase == "Initialized";
          },
          90s))
    return "the Canary did not reach Initialized within 90 s; last: " + to_string(last) +
           "\noperator log:\n" + operator_process().log_tail();
  return "";
}

std::string TrafficRollout::set_up(const std::string& first_image) {
  for (const char* program : {"/usr/sbin/nginx", "/usr/bin/prometheus", "/usr/bin/python3"})
    if (!std::filesystem::exists(program))
      return std::string(program) + " is missing: run scripts/setup e2e";
  ns_ = unique_name("veer-traffic-" + label_);
  dir_ = (std::filesystem::temp_directory_path() / ns_).string();
  std::filesystem::create_directories(dir_);
  if (auto error = cluster_.create_namespace(ns_); !error.empty()) return error;
  if (options_.adopt) return set_up_adopted(first_image);
  auto& api = cluster_.api();
  if (auto created = api.create(controller::simulation::deployment(ns_, kName, first_image));
      !created)
    return created.error().message;
  if (options_.provider == "nginx") {  // the user's Ingress, which veer copies for the canary
    if (auto created = api.create(user_ingress()); !created) return created.error().message;
  }
  if (auto created = api.create(canary_object()); !created) return created.error().message;
  if (auto error = start_programs(); !error.empty()) return error;
  if (auto error = start_operators(); !error.empty()) return error;
  if (auto error = wait_initialized(nullptr); !error.empty()) return error;
  // The load starts once nginx routes by the routing object veer wrote (all to the primary).
  if (!wait_until(
          [&] {
            const auto segments = data_plane_->segments();
            return !segments.empty() && segments.back().split == Split{100, 0};
          },
          30s))
    return "nginx does not route by the " + options_.provider + " routing 100/0 within 30 s";
  load_ = std::make_unique<LoadGenerator>(nginx_->url(), options_.load_per_second, options_.marker,
                                          kDefaultClients, options_.sessions);
  return "";
}

std::string TrafficRollout::set_up_adopted(const std::string& first_image) {
  if (options_.provider != "nginx" || !options_.data_plane.route_by_apex)
    return "adoption is staged for nginx with the stand-in routing by the apex Service";
  auto& api = cluster_.api();
  // The user's application as it ran before veer: the Deployment, rolled out, then its Service
  // and Ingress, serving the load through nginx.
  if (auto error = start_programs(); !error.empty()) return error;
  if (auto created = api.create(controller::simulation::deployment(ns_, kName, first_image));
      !created)
    return created.error().message;
  auto rolled_out = [&](const std::string& name) {
    auto d = api.get({kDeployments, ns_, name});
    if (!d) return false;
    const auto status = d->value("status", json::object());
    return status.value("observedGeneration", 0L) == d->at("metadata").value("generation", -1L) &&
           status.value("readyReplicas", 0L) == d->at("spec").value("replicas", 1L);
  };
  if (!wait_until([&] { return rolled_out(kName); }, 30s))
    return "the user's Deployment was not rolled out within 30 s";
  if (auto created = api.create(user_service()); !created) return created.error().message;
  if (auto created = api.create(user_ingress()); !created) return created.error().message;
  if (!wait_until(
          [&] {
            const auto segments = data_plane_->segments();
            return !segments.empty() && segments.back().routing.apex == std::string(kName);
          },
          30s))
    return "nginx does not route by the user's Service within 30 s";
  load_ = std::make_unique<LoadGenerator>(nginx_->url(), options_.load_per_second, options_.marker);
  // veer runs before the Canary is applied, as in a cluster where it is installed already.
  if (auto error = start_operators(); !error.empty()) return error;
  if (!wait_until(
          [&] {
            auto segments = data_plane_->segments();
            return !segments.empty() && segments.back().served[kName] >= 100;
          },
          30s))
    return "the user's app did not serve 100 requests within 30 s";
  const auto before = data_plane_->segments();
  adoption_.segments = before.size();
  adoption_.answers = load_->answers();
  for (const auto& segment : before)
    for (const auto& [workload, n] : segment.served) adoption_.served[workload] += n;
  const auto created_at = std::chrono::steady_clock::now();
  if (auto created = api.create(canary_object()); !created) return created.error().message;
  if (auto error = wait_initialized(&adoption_.trail); !error.empty()) return error;
  // Initialized is written after the apex Service is switched; nginx follows within a loop or two.
  if (!wait_until(
          [&] {
            const auto segments = data_plane_->segments();
            return !segments.empty() &&
                   segments.back().routing.apex == std::string(kName) + "-primary" &&
                   segments.back().split == Split{100, 0};
          },
          30s))
    return "nginx does not route by the apex Service switched to the primary within 30 s";
  adoption_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - created_at).count();
  return "";
}

std::string TrafficRollout::delete_canary() {
  auto removed = cluster_.api().remove({kCanaries, ns_, kName});
  return removed ? "" : "cannot delete the Canary: " + removed.error().message;
}

std::optional<bool> TrafficRollout::canary_gone() {
  auto canary = cluster_.api().get({kCanaries, ns_, kName});
  if (canary) return false;
  if (canary.is(kube::ErrorType::NotFound)) return true;
  return std::nullopt;
}

std::optional<json> TrafficRollout::get(const kube::ResourceType& type, const std::string& name) {
  auto object = cluster_.api().get({type, ns_, name});
  if (!object) return std::nullopt;
  return *object;
}

State TrafficRollout::observe() {
  return observe_canary(cluster_.api(), options_.provider, ns_, kName);
}

std::string TrafficRollout::primary_image() {
  auto primary = cluster_.api().get({kDeployments, ns_, std::string(kName) + "-primary"});
  return primary ? controller::simulation::image_of(*primary) : "";
}

long TrafficRollout::no_data_looks() {
  auto canary = cluster_.api().get({kCanaries, ns_, kName});
  if (!canary) return -1;
  const auto rollout = canary->value("status", json::object()).value("rollout", json::object());
  return rollout.value("noDataLooks", 0L);
}

std::pair<std::string, long> TrafficRollout::lease() {
  auto lease = cluster_.api().get(
      {kube::ResourceType{"coordination.k8s.io", "v1", "leases", "Lease"}, ns_, "veer-leader"});
  if (!lease) return {"", -1};
  const auto spec = lease->value("spec", json::object());
  return {spec.value("holderIdentity", ""), spec.value("leaseTransitions", 0L)};
}

std::vector<std::string> TrafficRollout::history_notes() {
  std::vector<std::string> notes;
  auto canary = cluster_.api().get({kCanaries, ns_, kName});
  if (!canary) return notes;
  const auto rollout = canary->value("status", json::object()).value("rollout", json::object());
  for (const auto& step : rollout.value("history", json::array()))
    notes.push_back(step.value("note", ""));
  return notes;
}

std::string TrafficRollout::set_image(const std::string& image) {
  json patch = json::array(
      {{{"op", "replace"}, {"path", "/spec/template/spec/containers/0/image"}, {"value", image}}});
  auto patched =
      cluster_.api().patch({kDeployments, ns_, kName}, kube::PatchType::JsonPatch, patch);
  return patched ? "" : "cannot set the image: " + patched.error().message;
}

CommandResult TrafficRollout::veer(std::vector<std::string> args) {
  std::vector<std::string> argv = {OperatorProcess::binary()};
  if (!args.empty()) argv.push_back(args.front());  // the command, then its flags
  argv.insert(argv.end(), {"--kubeconfig", cluster_.admin_kubeconfig(), "-n", ns_});
  if (!args.empty()) argv.insert(argv.end(), args.begin() + 1, args.end());
  return run_command(argv);
}

json TrafficRollout::canary_status() {
  auto canary = cluster_.api().get({kCanaries, ns_, kName});
  return canary ? canary->value("status", json::object()) : json::object();
}

Trail TrafficRollout::roll_out(const std::string& image,
                               const std::function<void(const State&)>& during) {
  Trail trail;
  auto record = [&](const State& s) {
    if (!trail.states.empty() && trail.states.back() == s) return false;
    trail.states.push_back(s);
    return true;
  };
  record(observe());
  if (auto error = set_image(image); !error.empty()) {
    trail.error = error;
    return trail;
  }
  bool started = false;
  const bool ended = wait_until(
      [&] {
        const auto s = observe();
        const bool changed = record(s);
        if (s.phase == "Progressing") started = true;
        if (started && changed && during) during(s);
        return started && terminal(s.phase);
      },
      180s);
  if (!ended)
    trail.error = "the rollout of " + image + " did not end within 180 s\noperator log:\n" +
                  operator_process().log_tail();
  return trail;
}

}  // namespace veer::e2e::traffic
