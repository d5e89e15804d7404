// spec.service.portDiscovery: the target's other container ports on the generated Services.
#include <doctest/doctest.h>

#include "meshes/port_discovery.hpp"
#include "meshes/services.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

const json kPodSpec = json::parse(R"({"containers": [
  {"name": "podinfo", "ports": [
    {"name": "http", "containerPort": 9898},
    {"name": "http-metrics", "containerPort": 9797},
    {"containerPort": 9999},
    {"name": "dns", "containerPort": 5353, "protocol": "UDP"},
    {"name": "grpc", "containerPort": 9999}]},
  {"name": "istio-proxy", "ports": [{"name": "http-envoy-prom", "containerPort": 15090}]},
  {"name": "sidecar", "ports": [{"name": "http-metrics", "containerPort": 8080}]}]})");

}  // namespace

TEST_CASE("port discovery adds every other container port, as Flagger names them") {
  auto canary = testing::podinfo_canary();  // port 9898, targetPort "http"
  canary.port_discovery = true;
  const auto ports = discovered_ports(canary, kPodSpec);
  // 9898 is the service's own port; 15090 is the mesh proxy's; the second 9999 and the second
  // http-metrics would collide; the unnamed port gets tcp-<container>-<index>.
  CHECK(ports == std::vector<ServicePort>{{"dns", 5353, "UDP"},
                                          {"http-metrics", 9797, "TCP"},
                                          {"tcp-podinfo-2", 9999, "TCP"}});

  SUBCASE("a numeric targetPort is the port left out") {
    canary.target_port = 9797;
    const auto by_number = discovered_ports(canary, kPodSpec);
    CHECK(std::none_of(by_number.begin(), by_number.end(),
                       [](const ServicePort& p) { return p.port == 9797; }));
    CHECK(std::any_of(by_number.begin(), by_number.end(),
                      [](const ServicePort& p) { return p.name == "dns"; }));
  }
}

TEST_CASE("discovered ports go on all three Services and keep assigned node ports") {
  auto canary = testing::podinfo_canary();
  canary.port_discovery = true;
  canary.discovered_ports = discovered_ports(canary, kPodSpec);
  auto writes = apply_services(canary, {});
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  REQUIRE(writes->size() == 3);
  for (const auto& w : writes.value()) {
    const auto& ports = w.object["spec"]["ports"];
    REQUIRE(ports.size() == 4);
    CHECK(ports[0]["name"] == "http");
    CHECK(ports[1] ==
          json::parse(R"({"name": "dns", "port": 5353, "protocol": "UDP", "targetPort": 5353})"));
    CHECK(ports[2]["targetPort"] == 9797);
  }
  // An adopted NodePort apex keeps the node port the server gave the discovered port.
  json apex = writes->front().object;
  apex["spec"]["type"] = "NodePort";
  apex["spec"]["ports"][2]["nodePort"] = 30797;
  apex["metadata"].erase("ownerReferences");
  auto again = apply_services(canary, Observed{{apex}});
  REQUIRE(again.ok());
  CHECK(again->front().object["spec"]["ports"][2]["nodePort"] == 30797);
  CHECK(again->front().action == Write::Action::unchanged);
}

}  // namespace veer::meshes
