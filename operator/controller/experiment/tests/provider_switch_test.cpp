// An Experiment whose spec.provider changes while it runs: the provider its routes last went
// through (status.router) stops routing before the new one routes, so two routers never split
// its traffic, and an Event says what was retired.
#include <doctest/doctest.h>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;

TEST_CASE(
    "an Experiment moved from istio to gatewayapi: its VirtualService is deleted, the HTTPRoute "
    "routes, an Event names what went, and the run goes on to a winner") {
  World w(experiment_json("istio"), kExpressBest);
  for (int i = 0; i < 3; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  REQUIRE(w.get("networking.istio.io/v1beta1", "VirtualService", "checkout").contains("spec"));
  CHECK(w.experiment()["status"]["router"] == "istio");

  auto moved = w.experiment();
  moved["spec"]["provider"] = "gatewayapi:v1";
  moved["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "public"}, {"namespace", "gw"}}});
  REQUIRE(w.cluster.update(moved));
  w.pass();
  CHECK_MESSAGE(w.last_error.empty(), w.last_error);
  CHECK_FALSE(w.get("networking.istio.io/v1beta1", "VirtualService", "checkout").contains("spec"));
  const auto route = w.get("gateway.networking.k8s.io/v1", "HTTPRoute", "checkout");
  REQUIRE(route.contains("spec"));
  CHECK(w.experiment()["status"]["router"] == "gatewayapi:v1");
  for (const auto* service : {"checkout", "checkout-current", "checkout-express"})
    CHECK_MESSAGE(w.get("v1", "Service", service).contains("spec"), service);
  bool said = false;
  for (const auto& e : w.events())
    if (e.value("message", "") ==
        "Provider changed from istio to gatewayapi:v1: deleted VirtualService checkout.shop")
      said = true;
  CHECK(said);

  // Nothing is retired twice, and the run goes on through the HTTPRoute to its winner.
  w.run();
  std::size_t switches = 0;
  for (const auto& e : w.events())
    if (e.value("message", "").rfind("Provider changed", 0) == 0) ++switches;
  CHECK(switches == 1);
  CHECK(w.phase() == "Completed");
  CHECK(w.experiment()["status"]["winner"] == "express");
}

TEST_CASE(
    "an Experiment whose provider changed and which is deleted before a routing pass gives the "
    "user's VirtualService of the provider it routed through its spec back") {
  World w(experiment_json("istio"), kExpressBest);
  const json user_spec = user_virtual_service()["spec"];
  REQUIRE(w.cluster.create(user_virtual_service()));
  for (int i = 0; i < 6; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  REQUIRE(w.routed().count("checkout-express"));  // veer's split is on the user's object

  // The provider changes and the Experiment is deleted with no pass in between.
  auto moved = w.experiment();
  moved["spec"]["provider"] = "gatewayapi:v1";
  moved["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "public"}, {"namespace", "gw"}}});
  REQUIRE(w.cluster.update(moved));
  const veer::kube::ObjectRef ref{experiment_type(), "shop", "checkout-redesign"};
  REQUIRE(w.cluster.remove(ref));
  w.pass();
  CHECK_MESSAGE(w.last_error.empty(), w.last_error);
  CHECK(w.cluster.get(ref).is(veer::kube::ErrorType::NotFound));
  const auto vs = w.get("networking.istio.io/v1beta1", "VirtualService", "checkout");
  CHECK(vs["spec"] == user_spec);
  CHECK_FALSE(w.get("gateway.networking.k8s.io/v1", "HTTPRoute", "checkout").contains("spec"));
}
