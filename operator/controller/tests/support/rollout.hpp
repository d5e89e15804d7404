// A whole rollout on the in-memory cluster under a simulated clock, driven pass by pass through
// the real reconcile. The cluster is the only memory: every pass uses a brand-new reconciler, as
// a restarted operator would.
#pragma once

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"

namespace veer::controller::testing {

using nlohmann::json;
namespace sim = veer::controller::simulation;

struct Rollout {
  base::SimulatedClock clock;
  kube::MemoryCluster cluster{clock};
  kube::Cluster* api = &cluster;  // what the operator talks to (tests may wrap `cluster`)
  sim::ApprovingHooks approving;
  webhooks::HookPoster* hooks = &approving;  // tests may point this at their own poster
  sim::ImageMetrics metrics{cluster};
  sim::RecordingAlerts alerts;
  std::set<std::string> unready;
  bool gateway_accepts = true;  // the stand-in Gateway controller accepts HTTPRoutes
  std::string provider;
  int passes = 0;
  std::string last_error;  // of the latest failed pass, shown when a test fails

  explicit Rollout(std::string p, json canary_json = nullptr, json target = nullptr)
      : provider(std::move(p)) {
    for (const auto& info : sim::served_types()) cluster.add_type(info);
    if (target.is_null()) target = sim::deployment("default", "podinfo", "podinfo:6.0.0");
    REQUIRE(cluster.create(target));
    if (canary_json.is_null()) canary_json = sim::canary("default", "podinfo", provider);
    REQUIRE(cluster.create(canary_json));
  }

  json canary() { return *cluster.get({canary_type(), "default", "podinfo"}); }
  std::string phase() { return canary().value("status", json::object()).value("phase", ""); }
  json get(const std::string& api_version, const std::string& kind, const std::string& name) {
    auto found = cluster.get({kube::type_of(api_version, kind), "default", name});
    return found ? *found : json();
  }
  json target() { return get("apps/v1", "Deployment", "podinfo"); }
  json primary() { return get("apps/v1", "Deployment", "podinfo-primary"); }
  void set_image(const std::string& image, const std::string& kind = "Deployment") {
    auto d = get("apps/v1", kind, "podinfo");
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    REQUIRE(cluster.update(d));
  }
  // Sets (or, with an empty value, removes) an annotation on the Canary, as `veer` gates do.
  void annotate(const std::string& key, const std::string& value) {
    auto c = canary();
    if (value.empty()) {
      c["metadata"]["annotations"].erase(key);
    } else {
      c["metadata"]["annotations"][key] = value;
    }
    REQUIRE(cluster.update(c));
  }

  ReconcilerSettings base_settings;  // what a test sets beyond the provider
  ReconcilerSettings settings() const {
    ReconcilerSettings s = base_settings;
    s.decide.default_provider = provider;
    return s;
  }
  // The kubelet stand-in, then a reconcile by a brand-new reconciler, then time moves to when
  // that reconcile asked to come back.
  kube::ReconcileResult pass() {
    sim::kubelet_pass(cluster, "default", unready, gateway_accepts);
    CanaryReconciler reconciler(*api, clock, *hooks, metrics, alerts, settings());
    auto result = reconciler.reconcile("default/podinfo");
    if (result.failed) last_error = result.error;
    ++passes;
    clock.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
    return result;
  }
  void until(const std::string& wanted, int limit = 60) {
    for (int i = 0; i < limit && phase() != wanted; ++i) pass();
    CAPTURE(last_error);
    REQUIRE(phase() == wanted);
  }
  std::vector<json> events() {
    auto list = cluster.list(kube::type_of("v1", "Event"), "default");
    return list ? list->items : std::vector<json>{};
  }
  // Calls that change something, so far.
  std::size_t writes() const {
    auto counts = cluster.request_counts();
    return counts["create"] + counts["update"] + counts["patch"] + counts["delete"];
  }
};

// The user's Ingress `podinfo` sending / to the apex Service (nginx's spec.ingressRef).
inline json podinfo_ingress() {
  return json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "podinfo", "namespace": "default"},
    "spec": {"rules": [{"host": "app.example.com", "http": {"paths": [
      {"path": "/", "pathType": "Prefix",
       "backend": {"service": {"name": "podinfo", "port": {"number": 9898}}}}]}}]}
  })");
}

inline int istio_canary_weight(const json& vs) {
  if (!vs.contains("spec")) return -1;
  for (const auto& route : vs["spec"]["http"].back()["route"]) {
    if (route["destination"]["host"] == "podinfo-canary") return route.value("weight", 0);
  }
  return -1;
}

}  // namespace veer::controller::testing
