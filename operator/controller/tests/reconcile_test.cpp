// Whole rollouts through the real reconcile on the in-memory cluster under a simulated clock:
// the cluster is the only memory (a fresh reconciler every pass is a restarted operator).
#include <doctest/doctest.h>

#include <algorithm>

#include "operator/controller/revision.hpp"
#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using nlohmann::json;
namespace sim = veer::controller::simulation;

using namespace veer::controller::testing;

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
  // A weight advance is in the status history, not a Kubernetes Event (writes per step, issue 19);
  // the phase changes are Events.
  bool in_history = false;
  for (const auto& h : status["rollout"]["history"]) {
    if (h.dump().find("weight 30") != std::string::npos) in_history = true;
  }
  CHECK(in_history);
  std::vector<std::string> messages;
  for (const auto& e : r.events()) messages.push_back(e["message"]);
  CAPTURE(messages);
  for (const auto& m : messages) CHECK(m.rfind("Advance", 0) == std::string::npos);
  auto has = [&](const std::string& prefix) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](const std::string& m) { return m.rfind(prefix, 0) == 0; });
  };
  CHECK(has("New revision detected!"));
  CHECK_FALSE(has("Copying podinfo.default template spec"));  // the Promoting phase says it
  CHECK(has("Promotion completed!"));
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

namespace {

// Where a value holds "", as "status.conditions[0].message"; empty when none does.
std::string empty_string_at(const json& value, const std::string& path) {
  if (value.is_string()) return value.get<std::string>().empty() ? path : "";
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto found = empty_string_at(value[i], path + "[" + std::to_string(i) + "]");
      if (!found.empty()) return found;
    }
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      auto found = empty_string_at(item, path + "." + key);
      if (!found.empty()) return found;
    }
  }
  return "";
}

}  // namespace

TEST_CASE("status writes omit empty strings (a real API server turns them into null)") {
  SUBCASE("to_json drops them and reading back restores them as empty") {
    RolloutStatus status;
    status.canary.conditions.push_back({"Promoted", "Unknown", "", "", "", ""});
    status.progress.history.push_back({"2026-11-22T01:00:00Z", "", 0, 0, ""});
    status.progress.handled_gates["promote"] = "";
    auto written = to_json(status);
    CHECK(empty_string_at(written, "status") == "");
    auto read = rollout_status_from_json(written);
    REQUIRE(read.canary.conditions.size() == 1);
    CHECK(read.canary.conditions[0].reason == "");
    CHECK(read.progress.history == status.progress.history);
  }
  SUBCASE("every status a whole rollout writes") {
    auto c = sim::canary("default", "podinfo", "istio");
    c["spec"]["suspend"] = true;  // a first status with no phase yet
    Rollout r("istio", c);
    auto check = [&] {
      CAPTURE(r.passes);
      CHECK(empty_string_at(r.canary().value("status", json::object()), "status") == "");
    };
    r.pass();
    check();
    c = r.canary();
    c["spec"]["suspend"] = false;
    REQUIRE(r.cluster.update(c));
    for (const char* image : {"podinfo:6.0.1", "podinfo:6.0.2-bad"}) {
      for (int i = 0; i < 8; ++i) {
        r.pass();
        check();
      }
      r.set_image(image);
      r.pass();
      check();
      CHECK(r.phase() == "Progressing");
      for (int i = 0; i < 30 && r.phase() != "Succeeded" && r.phase() != "Failed"; ++i) {
        r.pass();
        check();
      }
    }
    CHECK(r.phase() == "Failed");
  }
}

TEST_CASE("a DaemonSet target is scaled to zero by nodeSelector, promoted, and never re-rolled") {
  auto c = sim::canary("default", "podinfo", "istio");
  c["spec"]["targetRef"]["kind"] = "DaemonSet";
  Rollout r("istio", c, sim::daemon_set("default", "podinfo", "podinfo:6.0.0"));
  auto ds = [&](const std::string& name) { return r.get("apps/v1", "DaemonSet", name); };
  auto node_selector = [&](const std::string& name) {
    return ds(name)["spec"]["template"]["spec"].value("nodeSelector", json::object());
  };
  r.until("Initialized");
  auto primary = ds("podinfo-primary");
  REQUIRE_FALSE(primary.is_null());
  CHECK_FALSE(primary["spec"].contains("replicas"));
  CHECK(sim::image_of(primary) == "podinfo:6.0.0");
  CHECK(node_selector("podinfo") == json({{kScaleToZeroNodeSelector, "true"}}));
  CHECK(node_selector("podinfo-primary").empty());
  r.pass();
  const auto idle = r.writes();
  for (int i = 0; i < 4; ++i) r.pass();
  CHECK(r.phase() == "Initialized");  // scaling to zero is not a new revision
  CHECK(r.writes() == idle);

  r.set_image("podinfo:6.0.1", "DaemonSet");
  r.until("Progressing");
  r.pass();
  CHECK_FALSE(ds("podinfo")["spec"]["template"]["spec"].contains("nodeSelector"));
  CHECK(ds("podinfo")["status"]["numberAvailable"] == sim::kNodes);
  r.until("Succeeded");
  CHECK(sim::image_of(ds("podinfo-primary")) == "podinfo:6.0.1");
  CHECK(node_selector("podinfo-primary").empty());
  r.pass();
  CHECK(node_selector("podinfo") == json({{kScaleToZeroNodeSelector, "true"}}));
  const auto done = r.writes();
  for (int i = 0; i < 4; ++i) r.pass();
  CHECK(r.phase() == "Succeeded");
  CHECK(r.writes() == done);
}

TEST_CASE("a problem only the user can fix is said once in the status and an event") {
  auto c = sim::canary("default", "podinfo", "istio");
  c["spec"]["targetRef"]["name"] = "frontend";
  Rollout r("istio", c);
  auto result = r.pass();
  CHECK(result.failed);
  auto status = r.canary()["status"];
  const std::string message = status["rollout"]["message"];
  CHECK(message.find("target Deployment default/frontend (spec.targetRef): ") == 0);
  CHECK(message.find("not found") != std::string::npos);
  CHECK(status["rollout"]["waitingFor"] == kWaitingForFix);
  REQUIRE(r.events().size() == 1);
  CHECK(r.events()[0]["type"] == "Warning");
  const auto writes = r.writes();
  r.pass();
  r.pass();
  CHECK(r.writes() == writes);  // said once, not every retry

  REQUIRE(r.cluster.create(sim::deployment("default", "frontend", "frontend:1.0.0")));
  for (int i = 0; i < 10 && r.phase() != "Initialized"; ++i) r.pass();
  CHECK(r.phase() == "Initialized");
  CHECK_FALSE(r.canary()["status"]["rollout"].contains("waitingFor"));
}

namespace {
// Remembers which provider each analysis was asked for.
class ProviderRecorder final : public MetricsChecker {
 public:
  AnalysisResult analyze(const veer::model::Canary& canary) override {
    providers.push_back(canary.spec.provider);
    return {};
  }
  std::vector<std::string> providers;
};
}  // namespace

TEST_CASE("a Canary without spec.provider is validated and analysed for the operator's default") {
  // gatewayRefs are only valid for gatewayapi: with --mesh-provider gatewayapi:v1 and no
  // spec.provider the Canary must not be refused as if it were istio's.
  json c = sim::canary("default", "podinfo", "");
  c["spec"].erase("provider");
  c["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "gateway"}, {"namespace", "istio-ingress"}}});
  Rollout r("gatewayapi:v1", c);
  ProviderRecorder recorder;
  r.until("Initialized");
  CHECK(r.canary()["status"].value("rollout", json::object()).value("message", "") == "");
  CHECK_FALSE(r.get("gateway.networking.k8s.io/v1", "HTTPRoute", "podinfo").is_null());
  // The stored spec keeps no provider: the default is applied when it is read, never written.
  CHECK_FALSE(r.canary()["spec"].contains("provider"));

  r.set_image("podinfo:6.0.1");
  for (int i = 0; i < 10 && recorder.providers.empty(); ++i) {
    sim::kubelet_pass(r.cluster, "default");
    CanaryReconciler reconciler(r.cluster, r.clock, r.approving, recorder, r.alerts, r.settings());
    auto result = reconciler.reconcile("default/podinfo");
    r.clock.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
  }
  REQUIRE_FALSE(recorder.providers.empty());
  CHECK(recorder.providers.front() == "gatewayapi:v1");
}

TEST_CASE("the nginx canary Ingress carries the operator's --ingress-annotations-prefix") {
  auto c = sim::canary("default", "podinfo", "nginx");
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  Rollout r("nginx", c);
  r.base_settings.ingress_annotations_prefix = "custom.nginx.example.com";
  REQUIRE(r.cluster.create(podinfo_ingress()));
  r.until("Initialized");
  auto canary_ingress = r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary");
  REQUIRE_FALSE(canary_ingress.is_null());
  const auto& annotations = canary_ingress["metadata"]["annotations"];
  CHECK(annotations["custom.nginx.example.com/canary"] == "true");
  CHECK(annotations["custom.nginx.example.com/canary-weight"] == "0");
  CHECK_FALSE(annotations.contains("nginx.ingress.kubernetes.io/canary"));
}

// A step counts only once the router applies it: while the Gateway has not accepted the
// HTTPRoute's current generation the rollout waits (no analysis, weight unchanged), and says so.
TEST_CASE("a gateway api step waits until the route's parents accept its generation") {
  json c = sim::canary("default", "podinfo", "gatewayapi:v1");
  c["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "gateway"}, {"namespace", "istio-ingress"}}});
  Rollout r("gatewayapi:v1", c);
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  r.gateway_accepts = false;
  r.until("Progressing");
  auto weight = [&] {
    auto route = r.get("gateway.networking.k8s.io/v1", "HTTPRoute", "podinfo");
    for (const auto& ref : route["spec"]["rules"].back()["backendRefs"])
      if (ref["name"] == "podinfo-canary") return ref.value("weight", -1);
    return -1;
  };
  const auto analyses = r.metrics.calls();
  const int held = weight();
  for (int i = 0; i < 6; ++i) r.pass();
  CHECK(r.phase() == "Progressing");
  CHECK(weight() == held);
  CHECK(r.metrics.calls() == analyses);
  const auto rollout = r.canary()["status"]["rollout"];
  CHECK(rollout.value("waitingFor", "") == kWaitingForRoutes);
  CHECK(rollout.value("message", "").find("not applied yet") != std::string::npos);

  r.gateway_accepts = true;
  r.until("Succeeded");
  CHECK(r.metrics.calls() > analyses);
  CHECK(r.canary()["status"]["rollout"].value("waitingFor", "") == "");
}

// A router's `invalid` (the Canary asks for routes it cannot render over the objects it finds)
// is the user's to fix, like an invalid spec: said once in the status and a Warning event, then
// not again on every retry; once fixed, the rollout goes on and the status says nothing more.
TEST_CASE("routes the router cannot render are said once in the status and an event") {
  auto c = sim::canary("default", "podinfo", "nginx");
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  Rollout r("nginx", c);
  auto ingress = podinfo_ingress();  // sends / to another Service than the apex
  ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "frontend";
  REQUIRE(r.cluster.create(ingress));
  const std::string problem = "no backend points at the apex Service podinfo";
  veer::kube::ReconcileResult result;
  for (int i = 0; i < 10 && !result.failed; ++i) result = r.pass();
  REQUIRE(result.failed);
  CHECK_MESSAGE(result.error.find(problem) != std::string::npos, result.error);
  const auto progress = r.canary()["status"]["rollout"];
  CHECK(progress.value("waitingFor", "") == kWaitingForFix);
  CHECK(progress.value("message", "").find(problem) != std::string::npos);
  std::size_t warnings = 0;
  for (const auto& e : r.events())
    if (e["type"] == "Warning" && e.value("message", "").find(problem) != std::string::npos)
      ++warnings;
  CHECK(warnings == 1);
  // Said once, not on every retry: the Canary is not written again, no other Event. (The
  // kubelet stand-in marks the primary created on the failed pass ready on the next one.)
  const auto canary_version = r.canary()["metadata"]["resourceVersion"];
  const auto events = r.events().size();
  CHECK(r.pass().failed);
  const auto writes = r.writes();
  for (int i = 0; i < 3; ++i) CHECK(r.pass().failed);
  CHECK(r.writes() == writes);
  CHECK(r.canary()["metadata"]["resourceVersion"] == canary_version);
  CHECK(r.events().size() == events);

  auto fixed = r.get("networking.k8s.io/v1", "Ingress", "podinfo");
  fixed["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "podinfo";
  REQUIRE(r.cluster.update(fixed));
  r.until("Initialized");
  CHECK(r.canary()["status"]["rollout"].value("waitingFor", "") == "");
  CHECK(r.canary()["status"]["rollout"].value("message", "") == "");
}

namespace {
// Approves every hook and remembers which URL each call of the current pass went to.
class PassHookLog final : public veer::webhooks::HookPoster {
 public:
  veer::webhooks::HookReply post(const veer::webhooks::HookCall& call) override {
    ++calls[call.url];
    return {200, "approved", ""};
  }
  std::map<std::string, int> calls;
};
}  // namespace

// `decide` asks for one check at a time; the reconciler answers until it asks for nothing more.
// With every kind of hook and metrics, a pass may need more rounds than there were before (4):
// the rollout must still end, and no check may run twice within one pass.
TEST_CASE("with every hook type, each pass runs each check at most once and the rollout ends") {
  json c = sim::canary("default", "podinfo", "istio");
  json hooks = json::array();
  for (const char* type : {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                           "confirm-promotion", "post-rollout"})
    hooks.push_back(
        {{"name", type}, {"type", type}, {"url", std::string("http://hooks.test/") + type}});
  c["spec"]["analysis"]["webhooks"] = hooks;
  Rollout r("istio", c);
  PassHookLog log;
  r.hooks = &log;
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  std::set<std::string> called;
  for (int i = 0; i < 80 && r.phase() != "Succeeded"; ++i) {
    log.calls.clear();
    const auto result = r.pass();
    CAPTURE(result.error);
    CHECK_FALSE(result.failed);
    for (const auto& call : log.calls) {
      CAPTURE(call.first);
      CHECK(call.second == 1);
      called.insert(call.first);
    }
  }
  CHECK(r.phase() == "Succeeded");
  CHECK(called.size() == 6);
}
