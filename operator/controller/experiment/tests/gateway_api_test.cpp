// An Experiment on Gateway API: no look counts traffic before the HTTPRoute is Accepted at its
// current generation, and strategy.match becomes a first rule splitting the matching requests
// with a second sending the rest to the baseline.
#include <doctest/doctest.h>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"
#include "operator/controller/simulation.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;

namespace {

json on_gateway() {
  auto doc = experiment_json("gatewayapi:v1");
  doc["spec"]["service"]["gatewayRefs"] = json::array({{{"name", "public"}, {"namespace", "gw"}}});
  return doc;
}

json route_of(World& w) {
  return w.get("gateway.networking.k8s.io/v1", "HTTPRoute", "checkout");
}

}  // namespace

TEST_CASE("gateway api: no look is taken while the HTTPRoute is not Accepted at its generation") {
  World w(on_gateway(), kExpressBest);
  w.gateway_accepts = false;
  for (int i = 0; i < 3; ++i) w.pass();  // Initializing, then Running with the first split
  REQUIRE(w.phase() == "Running");
  REQUIRE(route_of(w).contains("spec"));
  // Well past the interval: still no look, the window restarting at every pass.
  for (int i = 0; i < 30; ++i) w.pass();
  auto status = w.experiment()["status"];
  CHECK(status["completedIterations"] == 0);
  CHECK(w.metrics.calls == 0);
  CHECK_MESSAGE(status["message"].get<std::string>().rfind(
                    "waiting for the router: HTTPRoute checkout.shop is not applied yet: no "
                    "parent has reported status",
                    0) == 0,
                status["message"]);
  // An acceptance of an older generation does not count either.
  auto route = route_of(w);
  route["status"] = {
      {"parents",
       {{{"parentRef", {{"name", "public"}, {"namespace", "gw"}}},
         {"controllerName", "example.com/gateway"},
         {"conditions",
          {{{"type", "Accepted"},
            {"status", "True"},
            {"observedGeneration", route["metadata"].value("generation", 0L) - 1}}}}}}}};
  REQUIRE(w.cluster.update_status(route));
  w.pass();
  CHECK(w.experiment()["status"]["message"].get<std::string>().find("accepted generation") !=
        std::string::npos);

  // Accepted: the first look counts from the last pass that saw the route pending (one poll
  // before this one), a whole interval later.
  w.gateway_accepts = true;
  const auto accepted_by = w.clock.now();
  w.pass();
  CHECK(w.experiment()["status"]["message"].get<std::string>().rfind("running: ", 0) == 0);
  CHECK(w.metrics.calls == 0);
  auto look_at = accepted_by;
  while (w.metrics.calls == 0 && look_at - accepted_by < std::chrono::minutes(5)) {
    look_at = w.clock.now();
    w.pass();
  }
  CHECK(w.metrics.calls == 1);
  CHECK(look_at - accepted_by >= std::chrono::seconds(55));
  w.run();
  CHECK(w.phase() == "Completed");
  CHECK(w.experiment()["status"]["winner"] == "express");
}

TEST_CASE("gateway api: strategy.match splits the matching requests, the rest go to the baseline") {
  auto doc = on_gateway();
  doc["spec"]["strategy"]["match"] =
      json::array({{{"headers", {{"x-beta", {{"exact", "1"}}}}}},
                   {{"queryParams", {{"variant", {{"regex", "new.*"}}}}}}});
  World w(doc, kExpressBest);
  for (int i = 0; i < 6; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  const auto rules = route_of(w)["spec"]["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["matches"] ==
        json::parse(R"([{"headers": [{"name": "x-beta", "type": "Exact", "value": "1"}],
                          "path": {"type": "PathPrefix", "value": "/"}},
                         {"queryParams": [{"name": "variant", "type": "RegularExpression",
                                           "value": "new.*"}],
                          "path": {"type": "PathPrefix", "value": "/"}}])"));
  CHECK(rules[0]["backendRefs"].size() == 3);
  CHECK(rules[1]["matches"] == json::parse(R"([{"path": {"type": "PathPrefix", "value": "/"}}])"));
  CHECK(rules[1]["backendRefs"] ==
        json::parse(R"([{"group": "", "kind": "Service", "name": "checkout-current",
                         "port": 8080, "weight": 100}])"));
  // The weights of the taking-part rule are the status's.
  std::map<std::string, int> routed, in_status;
  for (const auto& b : rules[0]["backendRefs"]) routed[b["name"].get<std::string>()] = b["weight"];
  const auto versions = w.experiment()["status"]["versions"];  // a copy: outlives the loop
  for (const auto& v : versions)
    in_status["checkout-" + v["name"].get<std::string>()] = v["weight"];
  CHECK(routed == in_status);
}

TEST_CASE("gateway api: a match an HTTPRoute cannot express is said once, naming the field") {
  auto doc = on_gateway();
  doc["spec"]["strategy"]["match"] = json::array({{{"headers", {{"x-beta", {{"prefix", "1"}}}}}}});
  World w(doc, kExpressBest);
  auto result = w.pass();
  CHECK(result.failed);
  const auto message = w.experiment()["status"]["message"].get<std::string>();
  CHECK_MESSAGE(message.find("spec.strategy.match[0].headers.x-beta") != std::string::npos,
                message);
  CHECK(route_of(w).is_null());
}
