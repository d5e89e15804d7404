// Whole rollouts through the real reconcile on the in-memory cluster under a simulated clock:
// the cluster is the only memory (a fresh reconciler every pass is a restarted operator).
#include <doctest/doctest.h>

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/memory_cluster.hpp"

using namespace veer::controller;
using nlohmann::json;
namespace sim = veer::controller::simulation;
using veer::kube::type_of;

namespace {

struct Rollout {
  veer::kube::SimulatedClock clock;
  veer::kube::MemoryCluster cluster{clock};
  sim::ApprovingHooks hooks;
  sim::ImageMetrics metrics{cluster};
  sim::RecordingAlerts alerts;
  std::set<std::string> unready;
  std::string provider;
  int passes = 0;
  std::string last_error;  // of the latest failed pass, shown when a test fails

  explicit Rollout(std::string p, json canary_json = nullptr) : provider(std::move(p)) {
    for (const auto& info : sim::served_types()) cluster.add_type(info);
    REQUIRE(cluster.create(sim::deployment("default", "podinfo", "podinfo:6.0.0")));
    if (canary_json.is_null()) canary_json = sim::canary("default", "podinfo", provider);
    REQUIRE(cluster.create(canary_json));
  }

  json canary() { return *cluster.get({canary_type(), "default", "podinfo"}); }
  std::string phase() { return canary().value("status", json::object()).value("phase", ""); }
  json get(const std::string& api_version, const std::string& kind, const std::string& name) {
    auto found = cluster.get({type_of(api_version, kind), "default", name});
    return found ? *found : json();
  }
  void set_image(const std::string& image) {
    auto d = get("apps/v1", "Deployment", "podinfo");
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    REQUIRE(cluster.update(d));
  }

  // One pass: the kubelet stand-in, then a reconcile by a brand-new reconciler, then time moves
  // to when that reconcile asked to come back.
  veer::kube::ReconcileResult pass() {
    sim::kubelet_pass(cluster, "default", unready);
    ReconcilerSettings settings;
    settings.decide.default_provider = provider;
    CanaryReconciler reconciler(cluster, clock, hooks, metrics, alerts, settings);
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
    auto list = cluster.list(type_of("v1", "Event"), "default");
    return list ? list->items : std::vector<json>{};
  }
};

int istio_canary_weight(const json& vs) {
  for (const auto& route : vs["spec"]["http"].back()["route"]) {
    if (route["destination"]["host"] == "podinfo-canary") return route.value("weight", 0);
  }
  return -1;
}

}  // namespace

TEST_CASE("initialization creates the primary, services and routes, then scales the target down") {
  Rollout r("istio");
  r.until("Initialized");
  auto primary = r.get("apps/v1", "Deployment", "podinfo-primary");
  REQUIRE_FALSE(primary.is_null());
  CHECK(sim::image_of(primary) == "podinfo:6.0.0");
  CHECK(primary["spec"]["selector"]["matchLabels"]["app"] == "podinfo-primary");
  CHECK(r.get("apps/v1", "Deployment", "podinfo")["spec"]["replicas"] == 0);
  CHECK(r.get("v1", "Service", "podinfo")["spec"]["selector"]["app"] == "podinfo-primary");
  CHECK(r.get("v1", "Service", "podinfo-canary")["spec"]["selector"]["app"] == "podinfo");
  auto vs = r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo");
  REQUIRE_FALSE(vs.is_null());
  CHECK(istio_canary_weight(vs) == 0);
  CHECK(r.alerts.messages().size() == 1);

  // Idle, once the kubelet stand-in has reported the scale-down: no writes at all.
  r.pass();
  auto before = r.cluster.request_counts();
  r.pass();
  r.pass();
  auto after = r.cluster.request_counts();
  for (const char* verb : {"create", "update", "patch", "delete"}) {
    CAPTURE(verb);
    CHECK(after[verb] == before[verb]);
  }
}

TEST_CASE("a good revision is promoted step by step through Istio weights") {
  Rollout r("istio");
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  r.until("Progressing");
  std::vector<int> weights;
  for (int i = 0; i < 40 && r.phase() != "Succeeded"; ++i) {
    r.pass();
    auto vs = r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo");
    int w = istio_canary_weight(vs);
    if (weights.empty() || weights.back() != w) weights.push_back(w);
  }
  REQUIRE(r.phase() == "Succeeded");
  CHECK(weights == std::vector<int>{10, 20, 30, 40, 50, 0});
  CHECK(sim::image_of(r.get("apps/v1", "Deployment", "podinfo-primary")) == "podinfo:6.0.1");
  CHECK(r.get("apps/v1", "Deployment", "podinfo")["spec"]["replicas"] == 0);
  auto status = r.canary()["status"];
  CHECK(status["lastPromotedSpec"] == status["lastAppliedSpec"]);
  CHECK(status["rollout"]["history"].size() >= 6);
  bool advanced = false;
  for (const auto& e : r.events()) {
    if (e["message"] == "Advance podinfo.default canary weight 30") advanced = true;
  }
  CHECK(advanced);
}

TEST_CASE("a bad revision is rolled back and the primary keeps the old image") {
  Rollout r("istio");
  r.until("Initialized");
  r.set_image("podinfo:6.0.1-bad");
  r.until("Failed");
  CHECK(sim::image_of(r.get("apps/v1", "Deployment", "podinfo-primary")) == "podinfo:6.0.0");
  CHECK(istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) ==
        0);
  CHECK(r.get("apps/v1", "Deployment", "podinfo")["spec"]["replicas"] == 0);
  auto alerts = r.alerts.messages();
  REQUIRE_FALSE(alerts.empty());
  CHECK(alerts.back().find("error") == 0);
  CHECK(r.canary()["status"]["failedChecks"] == 2);
  CHECK(r.canary()["status"]["evidence"]["metrics"][0]["verdict"] == "fail");
}

TEST_CASE("blue/green on the kubernetes provider and canary on SMI reach Succeeded") {
  SUBCASE("blue/green") {
    auto c = sim::canary("default", "podinfo", "kubernetes");
    c["spec"]["analysis"].erase("maxWeight");
    c["spec"]["analysis"].erase("stepWeight");
    c["spec"]["analysis"]["iterations"] = 3;
    Rollout r("kubernetes", c);
    r.until("Initialized");
    r.set_image("podinfo:6.0.1");
    r.until("Succeeded");
    CHECK(sim::image_of(r.get("apps/v1", "Deployment", "podinfo-primary")) == "podinfo:6.0.1");
  }
  SUBCASE("smi") {
    Rollout r("smi:v1alpha2");
    r.until("Initialized");
    r.set_image("podinfo:6.0.1");
    r.until("Progressing");
    r.pass();
    auto split = r.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "podinfo");
    REQUIRE_FALSE(split.is_null());
    r.until("Succeeded");
  }
}

TEST_CASE("manual gates act through the object: abort rolls back, promote promotes") {
  Rollout r("istio");
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  r.until("Progressing");
  r.pass();
  r.pass();
  auto c = r.canary();
  c["metadata"]["annotations"][kAbortAnnotation] = "2026-11-22T01:00:00Z";
  REQUIRE(r.cluster.update(c));
  r.pass();
  CHECK(r.phase() == "Failed");

  r.set_image("podinfo:6.0.2");
  r.until("Progressing");
  r.pass();
  c = r.canary();
  c["metadata"]["annotations"][kPromoteAnnotation] = "p-1";
  REQUIRE(r.cluster.update(c));
  r.until("Succeeded", 10);
  CHECK(sim::image_of(r.get("apps/v1", "Deployment", "podinfo-primary")) == "podinfo:6.0.2");
}

TEST_CASE("API failures at any pass of a rollout end in the same state") {
  // Reference run without faults.
  Rollout clean("istio");
  clean.until("Initialized");
  clean.set_image("podinfo:6.0.1");
  clean.until("Succeeded");
  const int total = clean.passes;

  for (int fault_at = 1; fault_at < total; fault_at += 2) {
    CAPTURE(fault_at);
    Rollout r("istio");
    bool changed = false;
    for (int i = 0; i < 120 && r.phase() != "Succeeded"; ++i) {
      if (r.passes == 2 && !changed) {
        r.until("Initialized");
        r.set_image("podinfo:6.0.1");
        changed = true;
      }
      if (r.passes == fault_at) {
        // The operator dies mid-pass: its next write (whatever it is) fails.
        for (const char* verb : {"update", "patch", "create"})
          r.cluster.fail_next(verb, {veer::kube::ErrorType::Transport, 0, "", "killed"}, 1);
      }
      r.pass();
    }
    REQUIRE(r.phase() == "Succeeded");
    // A failed pass is retried (the work queue's backoff): settle until one pass succeeds.
    for (int i = 0; i < 5 && r.pass().failed; ++i) {
    }
    CHECK(sim::image_of(r.get("apps/v1", "Deployment", "podinfo-primary")) == "podinfo:6.0.1");
    CHECK(istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) ==
          0);
    CHECK(r.get("apps/v1", "Deployment", "podinfo")["spec"]["replicas"] == 0);
  }
}
