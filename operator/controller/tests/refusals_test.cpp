// A call the API server refuses (403: the operator's role lacks the permission) is never read as
// success, absence or a conflict: the pass that meets it says so, naming the verb, the resource
// and the server's message, on every pass that meets it.
#include <doctest/doctest.h>

#include <mutex>

#include "operator/controller/tests/support/refusing_cluster.hpp"
#include "operator/controller/tests/support/rollout.hpp"
#include "operator/kube/error_sink.hpp"

using namespace veer::controller::testing;
using nlohmann::json;
namespace kube = veer::kube;
using Verb = kube::CallInfo::Verb;

namespace {

// Passes of brand-new reconcilers (as Rollout::pass), keeping every report.
std::vector<veer::controller::ReconcileReport> passes(Rollout& r, int count) {
  std::vector<veer::controller::ReconcileReport> reports;
  for (int i = 0; i < count; ++i) {
    sim::kubelet_pass(r.cluster, "default", r.unready, r.gateway_accepts);
    veer::controller::CanaryReconciler reconciler(*r.api, r.clock, *r.hooks, r.metrics, r.alerts,
                                                  r.settings());
    reconciler.on_report(
        [&](const veer::controller::ReconcileReport& report) { reports.push_back(report); });
    auto result = reconciler.reconcile("default/podinfo");
    r.clock.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
  }
  return reports;
}

}  // namespace

TEST_CASE(
    "a write refused while the Canary is initialized (the apex Service, the routes, the target "
    "scaled down) is reported by the pass, naming the refused call") {
  struct Probe {
    const char* provider;
    const char* kind;
    Verb verb;
    const char* resource;  // as the server's message names it
    const char* group;
  };
  for (const auto& probe :
       {Probe{"kubernetes", "Service", Verb::Create, "services", ""},
        Probe{"istio", "VirtualService", Verb::Create, "virtualservices", "networking.istio.io"},
        Probe{"kubernetes", "Deployment", Verb::Patch, "deployments", "apps"}}) {
    CAPTURE(probe.kind);
    Rollout r(probe.provider);
    RefusingCluster refusing(r.cluster, probe.kind, probe.verb, probe.resource, probe.group);
    r.api = &refusing;
    const auto reports = passes(r, 12);
    CHECK(r.phase() != "Initialized");
    CHECK(refusing.refused > 0);
    const auto named = refusing.message();
    std::size_t naming = 0;
    for (const auto& report : reports)
      if (report.error.find(named) != std::string::npos) ++naming;
    // The passes after the primary is ready meet the refusal, and say it.
    CHECK_MESSAGE(naming > 0, "no pass reported: " << named);
    REQUIRE(!reports.empty());
    CHECK(reports.back().error.find(named) != std::string::npos);
  }
}

TEST_CASE(
    "a refused Event never blocks the rollout, and is said to the process's error sink with the "
    "server's message") {
  std::mutex mutex;
  std::vector<std::string> told;
  const auto sink = kube::add_error_sink([&](const std::string& what, const kube::ApiError& e) {
    std::lock_guard guard(mutex);
    told.push_back(what + ": " + std::string(kube::to_string(e.type)) + ": " + e.message);
  });
  Rollout r("kubernetes");
  RefusingCluster refusing(r.cluster, "Event", Verb::Create, "events", "");
  r.api = &refusing;
  r.until("Initialized");  // not blocked
  CHECK(r.events().empty());
  kube::remove_error_sink(sink);
  REQUIRE(refusing.refused > 0);
  std::lock_guard guard(mutex);
  REQUIRE(told.size() == refusing.refused);
  CHECK(told.back().find("creating an Event about Canary default/podinfo") != std::string::npos);
  CHECK(told.back().find("Forbidden") != std::string::npos);
  CHECK(told.back().find(refusing.message()) != std::string::npos);
}

TEST_CASE(
    "a Canary blocked on the user (its target missing) whose status write is refused says both "
    "the problem and the refused write") {
  auto canary = sim::canary("default", "podinfo", "kubernetes");
  canary["spec"]["targetRef"]["name"] = "missing";
  Rollout r("kubernetes", canary);
  RefusingCluster refusing(r.cluster, "Canary", Verb::UpdateStatus, "canaries/status", "veer.dev");
  r.api = &refusing;
  const auto result = r.pass();
  CHECK(result.failed);
  CHECK(result.error.find("spec.targetRef") != std::string::npos);
  CHECK_MESSAGE(result.error.find(refusing.message()) != std::string::npos, result.error);
}

TEST_CASE(
    "a Canary with revertOnDeletion keeps its finalizer while a cleanup is refused (the nginx "
    "canary Ingress's delete), says the refusal, and goes once the cleanup works") {
  auto c = sim::canary("default", "podinfo", "nginx");
  c["spec"]["revertOnDeletion"] = true;
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  Rollout r("nginx", c);
  REQUIRE(r.cluster.create(podinfo_ingress()));
  r.until("Initialized");
  r.pass();
  REQUIRE(r.canary()["metadata"]["finalizers"].size() == 1);
  REQUIRE_FALSE(r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary").is_null());
  RefusingCluster refusing(r.cluster, "Ingress", Verb::Delete, "ingresses", "networking.k8s.io");
  r.api = &refusing;
  REQUIRE(r.cluster.remove({veer::controller::canary_type(), "default", "podinfo"}));
  const auto reports = passes(r, 8);
  CHECK(refusing.refused > 0);
  CHECK(r.cluster.get({veer::controller::canary_type(), "default", "podinfo"}));
  CHECK_FALSE(r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary").is_null());
  REQUIRE(!reports.empty());
  CHECK(reports.back().error.find(refusing.message()) != std::string::npos);

  refusing.refusing = false;
  passes(r, 3);
  CHECK_FALSE(r.cluster.get({veer::controller::canary_type(), "default", "podinfo"}));
  CHECK(r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary").is_null());
}
