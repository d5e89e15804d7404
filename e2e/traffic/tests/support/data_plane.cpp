#include "e2e/traffic/tests/support/data_plane.hpp"

#include <algorithm>
#include <utility>

#include "e2e/controller/tests/support/kubelet.hpp"
#include "e2e/controller/tests/support/resource_types.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::e2e::traffic {

using nlohmann::json;

namespace {

constexpr auto kLoop = std::chrono::milliseconds(100);

// The status fields that say whether a Deployment is rolled out (timestamps left aside). The API
// server drops the ones that are 0 (omitempty), so a missing field is 0: read as null it made a
// Deployment scaled to zero differ on every loop, and the stand-in wrote its status ten times a
// second (found by the idle-writes case).
json rollout_fields(const json& status) {
  json fields = json::object();
  for (const char* key :
       {"observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas"})
    fields[key] = status.value(key, 0L);
  return fields;
}

}  // namespace

DataPlaneStandIn::DataPlaneStandIn(kube::Cluster& cluster, std::string provider, std::string ns,
                                   std::string target, std::string dir, NginxProcess& nginx,
                                   PrometheusProcess& prometheus, Routes routes, std::uint64_t seed,
                                   DataPlaneOptions options)
    : cluster_(cluster),
      provider_(std::move(provider)),
      ns_(std::move(ns)),
      target_(std::move(target)),
      dir_(std::move(dir)),
      nginx_(nginx),
      prometheus_(prometheus),
      routes_(routes),
      seed_(seed),
      options_(options),
      thread_([this] { run(); }) {}

DataPlaneStandIn::~DataPlaneStandIn() {
  stopping_ = true;
  thread_.join();
}

void DataPlaneStandIn::run() {
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      tick();
    }
    std::this_thread::sleep_for(kLoop);  // the stand-in's loop period
  }
}

void DataPlaneStandIn::problem(const std::string& what) {
  if (problems_.size() < 20) problems_.push_back(what);
}

void DataPlaneStandIn::tick() {
  // Apps retired on the previous loop are no longer routed (nginx's reload was confirmed and the
  // old worker has had a loop to finish its requests): count their last requests and stop them.
  if (!retired_.empty()) {
    close_segment();
    for (auto& [name, live] : retired_) live.app->stop();
    retired_.clear();
  }
  settle_workloads();
  std::vector<ScrapeTarget> targets;
  for (const auto& [name, live] : apps_)
    targets.push_back(
        {live.app->port(), {{"kubernetes_namespace", ns_}, {"kubernetes_pod_name", live.pod}}});
  if (targets != scraped_) {
    prometheus_.set_targets(targets);
    scraped_ = targets;
  }
  settle_routing();
}

void DataPlaneStandIn::retire(const std::string& workload) {
  auto found = apps_.find(workload);
  if (found == apps_.end()) return;
  retired_.emplace_back(workload, std::move(found->second));
  apps_.erase(found);
}

void DataPlaneStandIn::settle_workloads() {
  auto list = cluster_.list(kDeployments, ns_);
  if (!list) return;  // the next loop tries again
  std::vector<std::string> present;
  pod_labels_.clear();
  for (auto& deployment : list->items) {
    const std::string name = deployment["metadata"].value("name", "");
    const long replicas = deployment["spec"].value("replicas", 1L);
    const auto image = controller::simulation::image_of(deployment);
    present.push_back(name);
    if (replicas > 0) {
      auto& live = apps_[name];
      if (!live.app || live.app->image() != image) {
        auto app = std::make_unique<SampleApp>(
            ns_, name, image, dir_ + "/app-" + name + "-" + std::to_string(++started_) + ".log",
            seed_);
        if (!app->error().empty()) {
          problem(app->error());
          if (!live.app) apps_.erase(name);
          continue;  // not ready: the Deployment's status stays as it is
        }
        const auto ready_at = std::chrono::steady_clock::now() +
                              (live.app ? std::chrono::milliseconds(0) : options_.ready_delay);
        if (live.app) retire(name);
        // A pod name as a ReplicaSet gives it (<deployment>-<hash>-<suffix>), new per app.
        const auto n = std::to_string(started_);
        apps_[name] = Live{std::move(app), name + "-rs" + n + "-pod" + n, {}, true, ready_at};
      }
      pod_labels_[name] =
          deployment["spec"]["template"]["metadata"].value("labels", json::object());
      // A new app's Deployment is rolled out on the next loop, not this one: the routing in force
      // while it started is rendered first (see data_plane.hpp).
      if (std::exchange(apps_[name].fresh, false)) continue;
      if (std::chrono::steady_clock::now() < apps_[name].ready_at) continue;  // not ready yet
    } else {
      retire(name);
    }
    auto wanted = rolled_out_status(deployment);
    if (rollout_fields(deployment.value("status", json::object())) == rollout_fields(wanted))
      continue;
    deployment["status"] = wanted;
    cluster_.update_status(deployment);  // a conflict: the next loop sees the newer version
  }
  for (auto it = apps_.begin(); it != apps_.end();) {
    const auto& name = it->first;
    ++it;
    if (std::find(present.begin(), present.end(), name) == present.end()) retire(name);
  }
}

std::string DataPlaneStandIn::workload_of(const std::string& service) {
  auto found = selectors_.find(service);
  if (found == selectors_.end()) {
    auto object = cluster_.get({kube::type_of("v1", "Service"), ns_, service});
    if (!object) return "";  // not there yet (or unreadable): the next loop asks again
    const auto selector = object->value("spec", json::object()).value("selector", json::object());
    if (selector.empty()) return "";
    found = selectors_.emplace(service, selector).first;
  }
  for (const auto& [workload, labels] : pod_labels_) {
    bool selected = true;
    for (const auto& [key, value] : found->second.items())
      selected = selected && labels.value(key, json()) == value;
    if (selected) return workload;
  }
  return "";
}

std::optional<std::string> DataPlaneStandIn::apex_workload() {
  auto object = cluster_.get({kube::type_of("v1", "Service"), ns_, target_});
  if (!object) return std::nullopt;
  const auto selector = object->value("spec", json::object()).value("selector", json::object());
  if (selector.empty()) return "";
  for (const auto& [workload, labels] : pod_labels_) {
    bool selected = true;
    for (const auto& [key, value] : selector.items())
      selected = selected && labels.value(key, json()) == value;
    if (selected) return workload;
  }
  return "";
}

std::optional<bool> DataPlaneStandIn::istio_routes_by_apex() {
  auto vs =
      cluster_.get({kube::type_of("networking.istio.io/v1beta1", "VirtualService"), ns_, target_});
  if (vs.is(kube::ErrorType::NotFound)) return true;
  if (!vs) return std::nullopt;
  // One rule whose every destination is the apex host (short or fully qualified).
  const auto http = vs->value("spec", json::object()).value("http", json::array());
  if (http.size() != 1) return false;
  const auto route = http.at(0).value("route", json::array());
  if (route.empty()) return false;
  for (const auto& entry : route) {
    const auto host = entry.value("destination", json::object()).value("host", std::string());
    if (host != target_ && host.rfind(target_ + ".", 0) != 0) return false;
  }
  return true;
}

void DataPlaneStandIn::settle_routing() {
  std::string why;
  auto routing = routes_ == Routes::Experiment
                     ? read_experiment_routing(cluster_, ns_, target_, why)
                     : read_routing(cluster_, provider_, ns_, target_, why);
  if (options_.route_by_apex && routes_ == Routes::Canary && provider_ == "istio") {
    // istio: the VirtualService for the apex host decides; where it names the primary's Service
    // that Service's workload takes the primary's share. Without one (gone, or routing the apex
    // host to itself) the sidecars send the apex host's requests to the apex Service's endpoints,
    // as Kubernetes does: to the workload it selects.
    const auto by_apex = istio_routes_by_apex();
    if (!by_apex) return;  // unreadable: nginx keeps what it has
    if (*by_apex) {
      const auto apex = apex_workload();
      if (!apex) return;
      routing = Routing{Split{100, 0}, {}, {}, {}, {}, {}};
      routing->apex = *apex;
    } else if (routing) {
      routing->apex = target_ + "-primary";
    }
  } else if (options_.route_by_apex && routes_ == Routes::Canary) {
    const auto apex = apex_workload();
    if (!apex) return;  // no apex Service (yet), or unreadable: nginx keeps what it has
    if (!routing) {
      // No canary Ingress (before the Canary, or after it was reverted): the user's Ingress
      // alone, all to the apex Service.
      auto canary_ingress = cluster_.get(
          {kube::type_of("networking.k8s.io/v1", "Ingress"), ns_, target_ + "-canary"});
      if (!canary_ingress.is(kube::ErrorType::NotFound)) return;
      routing = Routing{Split{100, 0}, {}, {}, {}, {}, {}};
    }
    routing->apex = *apex;
  }
  if (!routing) return;  // no routing object yet (or unreadable): nginx keeps what it has
  const auto now = std::chrono::steady_clock::now();
  auto add = [&](std::vector<Backend>& backends, const std::string& workload, int weight) {
    if (weight <= 0) return;
    auto found = apps_.find(workload);
    if (found == apps_.end() || now < found->second.ready_at) {
      problem("the " + provider_ + " routing " + to_string(*routing) + " sends " +
              std::to_string(weight) + "% to " +
              (workload.empty() ? std::string("no workload") : workload) +
              ", which has no ready app");
      return;
    }
    backends.push_back({found->second.app->port(), weight});
  };
  auto backends_of = [&](const Split& split) {
    std::vector<Backend> backends;
    add(backends, routing->apex.value_or(target_ + "-primary"), split.primary);
    add(backends, target_, split.canary);
    return backends;
  };
  std::vector<Backend> backends;
  std::vector<Backend> matched;
  std::map<std::string, int> weights;  // Experiment: by workload
  if (routes_ == Routes::Experiment) {
    for (const auto& [service, weight] : routing->versions) {
      if (weight <= 0) continue;
      const auto workload = workload_of(service);
      if (workload.empty()) return;  // its Service or app is not there yet: nginx keeps its routes
      weights[workload] += weight;
      add(backends, workload, weight);
    }
  } else {
    backends = backends_of(routing->rest);
    if (!routing->match.empty()) matched = backends_of(routing->matched);
  }
  if (routed_ == routing && backends == backends_ && matched == matched_backends_) return;
  close_segment();
  int canary_port = 0;
  if (auto found = apps_.find(target_); found != apps_.end())
    canary_port = found->second.app->port();
  if (auto error =
          nginx_.route(backends, routing->match, matched, routing->canary_set_cookie, canary_port);
      !error.empty()) {
    problem(error);
    return;
  }
  routed_ = routing;
  backends_ = backends;
  matched_backends_ = matched;
  segments_.push_back({routing->rest, 0, 0, *routing, 0, 0, {}, weights});
}

void DataPlaneStandIn::close_segment() {
  auto count = [&](const std::string& workload, Live& live) {
    const auto served = live.app->served();
    if (!served) return;
    const long all = served->all - live.baseline.all;
    const long marked = served->marked - live.baseline.marked;
    live.baseline = *served;
    if (segments_.empty()) return;
    auto& s = segments_.back();
    s.served[workload] += all;
    if (workload == target_ + "-primary") {
      s.primary += all;
      s.primary_marked += marked;
    }
    if (workload == target_) {
      s.canary += all;
      s.canary_marked += marked;
    }
  };
  for (auto& [name, live] : apps_) count(name, live);
  for (auto& [name, live] : retired_) count(name, live);
}

std::vector<Segment> DataPlaneStandIn::segments() {
  std::lock_guard lock(mutex_);
  close_segment();
  return segments_;
}

Segment DataPlaneStandIn::measured(const Split& split) {
  std::lock_guard lock(mutex_);
  close_segment();
  Segment total{split, 0, 0, {split, {}, {}, {}, {}, {}}, 0, 0, {}, {}};
  for (const auto& s : segments_) {
    if (!(s.split == split)) continue;
    total.primary += s.primary;
    total.canary += s.canary;
    total.primary_marked += s.primary_marked;
    total.canary_marked += s.canary_marked;
  }
  return total;
}

std::vector<std::string> DataPlaneStandIn::problems() const {
  std::lock_guard lock(mutex_);
  return problems_;
}

std::string DataPlaneStandIn::app_image(const std::string& workload) const {
  std::lock_guard lock(mutex_);
  auto found = apps_.find(workload);
  return found == apps_.end() ? "" : found->second.app->image();
}

}  // namespace veer::e2e::traffic
