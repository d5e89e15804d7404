// spec.autoscalerRef: the `<hpa>-primary` HorizontalPodAutoscaler on the in-memory cluster.
#include <doctest/doctest.h>

#include "operator/controller/primary_scaler.hpp"
#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;

namespace {

json target_hpa() {
  return json::parse(R"({
    "apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "podinfo", "namespace": "default",
                 "labels": {"app": "podinfo", "kustomize.toolkit.fluxcd.io/name": "apps"}},
    "spec": {
      "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
      "minReplicas": 1, "maxReplicas": 4,
      "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                   "target": {"type": "Utilization", "averageUtilization": 80}}}],
      "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}
    }})");
}

// A Canary whose autoscalerRef names the HPA as Flagger users write it (autoscaling/v2), which a
// 1.20 server serves only as v2beta2.
json hpa_canary(bool with_override) {
  auto c = simulation::canary("default", "podinfo", "istio");
  c["spec"]["revertOnDeletion"] = true;
  c["spec"]["autoscalerRef"] = {
      {"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}, {"name", "podinfo"}};
  if (with_override)
    c["spec"]["autoscalerRef"]["primaryScalerReplicas"] = {{"minReplicas", 3}, {"maxReplicas", 6}};
  return c;
}

struct HpaRollout : Rollout {
  explicit HpaRollout(bool with_override) : Rollout("istio", hpa_canary(with_override)) {
    REQUIRE(cluster.create(target_hpa()));
  }
  json hpa(const std::string& name) {
    return get("autoscaling/v2beta2", "HorizontalPodAutoscaler", name);
  }
};

}  // namespace

TEST_CASE(
    "autoscalerRef: initialization writes <hpa>-primary field by field, idle writes nothing") {
  HpaRollout r(true);
  r.until("Initialized");
  auto primary = r.hpa("podinfo-primary");
  REQUIRE_FALSE(primary.is_null());
  CHECK(primary["apiVersion"] == "autoscaling/v2beta2");
  CHECK(primary["spec"]["scaleTargetRef"] ==
        json({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo-primary"}}));
  CHECK(primary["spec"]["minReplicas"] == 3);  // primaryScalerReplicas
  CHECK(primary["spec"]["maxReplicas"] == 6);
  CHECK(primary["spec"]["metrics"] == target_hpa()["spec"]["metrics"]);
  CHECK(primary["spec"]["behavior"] == target_hpa()["spec"]["behavior"]);
  CHECK(primary["metadata"]["labels"] == json({{"app", "podinfo"}}));  // Flux's key dropped
  REQUIRE(primary["metadata"]["ownerReferences"].size() == 1);
  CHECK(primary["metadata"]["ownerReferences"][0]["kind"] == "Canary");
  CHECK(primary["metadata"]["ownerReferences"][0]["name"] == "podinfo");
  // The user's HPA is never written.
  CHECK(r.hpa("podinfo")["spec"] == target_hpa()["spec"]);

  r.pass();
  const auto before = r.writes();
  r.pass();
  r.pass();
  CHECK(r.writes() == before);
}

TEST_CASE("autoscalerRef: the primary HPA follows the user's HPA at promotion") {
  for (bool with_override : {true, false}) {
    CAPTURE(with_override);
    HpaRollout r(with_override);
    r.until("Initialized");
    auto edited = r.hpa("podinfo");
    edited["spec"]["maxReplicas"] = 10;
    edited["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = 60;
    REQUIRE(r.cluster.update(edited));
    r.pass();
    // Between rollouts the primary HPA keeps what was promoted (an HPA edit is not a revision).
    CHECK(
        r.hpa(
            "podinfo-primary")["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] ==
        80);
    CHECK(r.phase() == "Initialized");

    r.set_image("podinfo:6.0.1");
    r.until("Progressing");
    r.pass();
    // Scaled up from zero to the HPA's minimum (not the primary's 2), which then takes over.
    CHECK(r.target()["spec"]["replicas"] == 1);
    r.until("Succeeded");
    auto primary = r.hpa("podinfo-primary");
    CHECK(primary["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60);
    CHECK(primary["spec"]["maxReplicas"] == (with_override ? 6 : 10));
    CHECK(primary["spec"]["minReplicas"] == (with_override ? 3 : 1));
    CHECK(primary["spec"]["scaleTargetRef"]["name"] == "podinfo-primary");

    r.pass();  // the kubelet stand-in reports the scale-down
    const auto before = r.writes();
    r.pass();
    r.pass();
    CHECK(r.writes() == before);
  }
}

TEST_CASE("autoscalerRef: deleting the Canary restores the target, the primary HPA goes with it") {
  HpaRollout r(true);
  r.until("Initialized");
  r.pass();
  REQUIRE(r.canary()["metadata"]["finalizers"].size() == 1);
  REQUIRE(r.target()["spec"]["replicas"] == 0);
  REQUIRE(r.cluster.remove({canary_type(), "default", "podinfo"}));
  for (int i = 0; i < 20 && r.cluster.get({canary_type(), "default", "podinfo"}); ++i) r.pass();
  CAPTURE(r.last_error);
  CHECK_FALSE(r.cluster.get({canary_type(), "default", "podinfo"}));
  CHECK(r.target()["spec"]["replicas"] == 2);  // the primary's count, for the user's HPA
  CHECK(r.hpa("podinfo")["spec"] == target_hpa()["spec"]);
  CHECK(r.hpa("podinfo-primary").is_null());  // owned by the Canary: garbage-collected
}

TEST_CASE("autoscalerRef: a missing HPA or an unsupported kind stops initialization, named") {
  SUBCASE("missing HPA") {
    Rollout r("istio", hpa_canary(false));
    for (int i = 0; i < 5; ++i) r.pass();
    CHECK(r.phase() != "Initialized");
    CHECK(r.last_error.find("HorizontalPodAutoscaler default/podinfo (spec.autoscalerRef)") !=
          std::string::npos);
    CHECK(r.canary()["status"]["rollout"]["message"].get<std::string>().find(
              "HorizontalPodAutoscaler default/podinfo (spec.autoscalerRef): ") !=
          std::string::npos);
  }
  SUBCASE("ScaledObject") {
    auto c = hpa_canary(false);
    c["spec"]["autoscalerRef"] = {
        {"apiVersion", "keda.sh/v1alpha1"}, {"kind", "ScaledObject"}, {"name", "podinfo"}};
    Rollout r("istio", c);
    for (int i = 0; i < 5; ++i) r.pass();
    CHECK(r.phase() != "Initialized");
    CHECK(r.last_error.find("spec.autoscalerRef kind ScaledObject is not supported yet") !=
          std::string::npos);
  }
}

TEST_CASE("HPA apiVersions: the ref's own first, then the other autoscaling/v2 shape") {
  veer::model::AutoscalerRef ref;
  ref.kind = "HorizontalPodAutoscaler";
  ref.api_version = "autoscaling/v2";
  CHECK(hpa_api_versions(ref) == std::vector<std::string>{"autoscaling/v2", "autoscaling/v2beta2"});
  ref.api_version = "autoscaling/v2beta2";
  CHECK(hpa_api_versions(ref) == std::vector<std::string>{"autoscaling/v2beta2", "autoscaling/v2"});
  ref.api_version.clear();
  CHECK(hpa_api_versions(ref).size() == 2);
}
