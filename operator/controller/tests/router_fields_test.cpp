// spec.service fields that reach the router objects through the reconcile: portDiscovery (the
// target's container ports, read from the cluster) and unmanagedMetadata.
#include <doctest/doctest.h>

#include "operator/controller/tests/support/rollout.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;
namespace sim = veer::controller::simulation;

TEST_CASE("portDiscovery puts the target's other container ports on the three Services") {
  auto target = sim::deployment("default", "podinfo", "podinfo:6.0.0");
  target["spec"]["template"]["spec"]["containers"][0]["ports"].push_back(
      {{"name", "http-metrics"}, {"containerPort", 9797}});
  auto c = sim::canary("default", "podinfo", "istio");
  c["spec"]["service"]["portDiscovery"] = true;
  Rollout r("istio", c, target);
  r.until("Initialized");
  for (const char* name : {"podinfo", "podinfo-primary", "podinfo-canary"}) {
    CAPTURE(name);
    const auto ports = r.get("v1", "Service", name)["spec"]["ports"];
    REQUIRE(ports.size() == 2);
    CHECK(ports[0]["port"] == 9898);
    CHECK(ports[1] == json::parse(R"({"name": "http-metrics", "port": 9797, "protocol": "TCP",
                                      "targetPort": 9797})"));
  }
}

TEST_CASE("an unmanagedMetadata annotation changed by another tool is not written back") {
  auto c = sim::canary("default", "podinfo", "istio");
  c["spec"]["service"]["apex"] = {{"annotations", {{"example.com/tier", "gold"}}}};
  c["spec"]["service"]["unmanagedMetadata"] = {{"annotations", {"example.com/tier"}}};
  Rollout r("istio", c);
  r.until("Initialized");
  r.pass();
  auto apex = r.get("v1", "Service", "podinfo");
  CHECK(apex["metadata"]["annotations"]["example.com/tier"] == "gold");
  apex["metadata"]["annotations"]["example.com/tier"] = "silver";
  REQUIRE(r.cluster.update(apex));
  const auto writes = r.writes();
  r.pass();
  r.pass();
  CHECK(r.writes() == writes);
  CHECK(r.get("v1", "Service", "podinfo")["metadata"]["annotations"]["example.com/tier"] ==
        "silver");
}
