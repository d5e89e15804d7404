// A Canary whose spec.provider changes: the old router's objects stop routing before the new
// router routes (meshes/router_switch.hpp, docs/routers.md "Changing the provider").
#include <doctest/doctest.h>

#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;

namespace {

const char* const kSwitchIstio = "networking.istio.io/v1beta1";
const char* const kSwitchGateway = "gateway.networking.k8s.io/v1";

int switch_weight(Rollout& r) {
  return r.canary()["status"].value("canaryWeight", -1);
}

std::string recorded_router(Rollout& r) {
  return r.canary()["status"].value("rollout", json::object()).value("router", "");
}

bool object_exists(Rollout& r, const char* api_version, const char* kind, const char* name) {
  return r.get(api_version, kind, name).contains("spec");
}

int route_canary_weight(const json& route) {
  for (const auto& ref : route["spec"]["rules"].back()["backendRefs"])
    if (ref["name"] == "podinfo-canary") return ref.value("weight", -1);
  return -1;
}

std::vector<std::string> provider_events(Rollout& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events()) {
    const auto message = e.value("message", "");
    if (message.rfind("Provider changed", 0) == 0) out.push_back(message);
  }
  return out;
}

}  // namespace

TEST_CASE("a Canary moved from istio to gatewayapi mid-rollout stops routing through Istio") {
  Rollout r("istio");
  r.until("Initialized");
  CHECK(recorded_router(r) == "istio");
  r.set_image("podinfo:6.0.1");
  r.until("Progressing");
  for (int i = 0; i < 20 && switch_weight(r) == 0; ++i) r.pass();
  const int weight = switch_weight(r);
  REQUIRE(weight > 0);
  REQUIRE(istio_canary_weight(r.get(kSwitchIstio, "VirtualService", "podinfo")) == weight);

  auto c = r.canary();
  c["spec"]["provider"] = "gatewayapi:v1";
  c["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "gateway"}, {"namespace", "istio-ingress"}}});
  REQUIRE(r.cluster.update(c));
  r.pass();
  CAPTURE(r.last_error);
  CHECK_FALSE(object_exists(r, kSwitchIstio, "VirtualService", "podinfo"));
  CHECK_FALSE(object_exists(r, kSwitchIstio, "DestinationRule", "podinfo-primary"));
  CHECK_FALSE(object_exists(r, kSwitchIstio, "DestinationRule", "podinfo-canary"));
  // The new router took over at the weight the rollout had reached.
  CHECK(route_canary_weight(r.get(kSwitchGateway, "HTTPRoute", "podinfo")) == switch_weight(r));
  CHECK(recorded_router(r) == "gatewayapi:v1");
  const auto events = provider_events(r);
  REQUIRE(events.size() == 1);
  INFO(events[0]);
  CHECK(events[0].find("from istio to gatewayapi:v1") != std::string::npos);
  CHECK(events[0].find("deleted VirtualService podinfo.default") != std::string::npos);
  CHECK(events[0].find("deleted DestinationRule podinfo-primary.default") != std::string::npos);

  // The rollout goes on through the HTTPRoute alone, and the switch is not made again.
  r.until("Succeeded");
  CHECK(route_canary_weight(r.get(kSwitchGateway, "HTTPRoute", "podinfo")) == 0);
  CHECK(provider_events(r).size() == 1);
  CHECK_FALSE(object_exists(r, kSwitchIstio, "VirtualService", "podinfo"));
}

TEST_CASE("a status without a recorded router records it and retires nothing") {
  Rollout r("istio");
  r.until("Initialized");
  r.pass();
  auto c = r.canary();
  c["status"]["rollout"].erase("router");  // as an older veer (or Flagger) left it
  REQUIRE(r.cluster.update_status(c));
  const auto before = r.writes();
  r.pass();
  CHECK(recorded_router(r) == "istio");
  CHECK(r.writes() == before + 1);  // the status, once
  CHECK(object_exists(r, kSwitchIstio, "VirtualService", "podinfo"));
  CHECK(provider_events(r).empty());
  const auto after = r.writes();
  r.pass();
  CHECK(r.writes() == after);
}

TEST_CASE("moving from nginx drops spec.ingressRef, and the canary Ingress copy is still found") {
  auto c = simulation::canary("default", "podinfo", "nginx");
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  Rollout r("nginx", c);
  REQUIRE(r.cluster.create(podinfo_ingress()));
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  r.until("Progressing");
  for (int i = 0; i < 20 && switch_weight(r) == 0; ++i) r.pass();
  REQUIRE(object_exists(r, "networking.k8s.io/v1", "Ingress", "podinfo-canary"));

  // Validation wants spec.ingressRef gone with nginx, so the copy's name cannot come from it.
  auto moved = r.canary();
  moved["spec"]["provider"] = "istio";
  moved["spec"].erase("ingressRef");
  REQUIRE(r.cluster.update(moved));
  r.pass();
  CAPTURE(r.last_error);
  CHECK_FALSE(object_exists(r, "networking.k8s.io/v1", "Ingress", "podinfo-canary"));
  CHECK(r.get("networking.k8s.io/v1", "Ingress", "podinfo")["spec"] == podinfo_ingress()["spec"]);
  CHECK(istio_canary_weight(r.get(kSwitchIstio, "VirtualService", "podinfo")) == switch_weight(r));
  REQUIRE(provider_events(r).size() == 1);
  INFO(provider_events(r)[0]);
  CHECK(provider_events(r)[0].find("deleted Ingress podinfo-canary.default") != std::string::npos);
}
