// A Canary moving to another provider: the old router's objects stop routing (router_switch.hpp).
#include <doctest/doctest.h>

#include <algorithm>

#include "meshes/router_switch.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;
using testing::router_for;

// What the cluster holds once `provider` has routed the podinfo Canary at `weight`, starting
// from `before`.
Observed routed_by(const std::string& provider, const CanaryRouting& canary, int weight,
                   const Observed& before = {}) {
  auto writes = router_for(provider)->apply(canary, testing::weights(weight), before);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return testing::after(before, writes.value());
}

// "Kind/name" of each write of `action`, sorted.
std::vector<std::string> named(const std::vector<Write>& writes, Write::Action action) {
  std::vector<std::string> out;
  for (const auto& w : writes)
    if (w.action == action)
      out.push_back(w.object.value("kind", "") + "/" + w.object["metadata"].value("name", ""));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Write> retire(const std::string& from, const std::string& to,
                          const CanaryRouting& canary, const Observed& observed) {
  auto writes = retire_router(*router_for(from), *router_for(to), canary, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return writes.value();
}

TEST_CASE(
    "moving from istio to gatewayapi deletes the VirtualService and DestinationRules veer made") {
  const auto canary = testing::podinfo_canary();
  const auto observed = routed_by("istio", canary, 30);
  REQUIRE(observed.objects.size() == 3);
  const auto writes = retire("istio", "gatewayapi:v1", canary, observed);
  CHECK(named(writes, Write::Action::remove) ==
        std::vector<std::string>{"DestinationRule/podinfo-canary",
                                 "DestinationRule/podinfo-primary", "VirtualService/podinfo"});
  CHECK(writes.size() == 3);
  // Nothing left to retire once they are gone: a second pass writes nothing.
  CHECK(retire("istio", "gatewayapi:v1", canary, testing::after(observed, writes)).empty());
}

TEST_CASE("the user's VirtualService gets its own spec back and is never deleted") {
  const auto canary = testing::podinfo_canary();
  const json user_vs = json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"name": "podinfo", "namespace": "test", "resourceVersion": "7"},
    "spec": {"hosts": ["podinfo"], "http": [{"route": [{"destination": {"host": "podinfo"}}]}]}})");
  const auto observed = routed_by("istio", canary, 40, Observed{{user_vs}});
  const auto writes = retire("istio", "gatewayapi:v1", canary, observed);
  CHECK(named(writes, Write::Action::update) == std::vector<std::string>{"VirtualService/podinfo"});
  CHECK(named(writes, Write::Action::remove) ==
        std::vector<std::string>{"DestinationRule/podinfo-canary",
                                 "DestinationRule/podinfo-primary"});
  for (const auto& w : writes)
    if (w.action == Write::Action::update) CHECK(w.object["spec"] == user_vs["spec"]);
}

TEST_CASE("an object of the old router's name that the Canary does not control is left alone") {
  const auto canary = testing::podinfo_canary();
  auto observed = routed_by("istio", canary, 10);
  for (auto& object : observed.objects)  // the user's own DestinationRule of that name
    if (object["metadata"]["name"] == "podinfo-primary")
      object["metadata"].erase("ownerReferences");
  const auto writes = retire("istio", "gatewayapi:v1", canary, observed);
  CHECK(named(writes, Write::Action::remove) ==
        std::vector<std::string>{"DestinationRule/podinfo-canary", "VirtualService/podinfo"});
}

TEST_CASE("an object both routers use is left for the new one to write") {
  const auto canary = testing::podinfo_canary();
  // linkerd writes split.smi-spec.io/v1alpha1, smi:v1alpha3 the same TrafficSplit in v1alpha3.
  const auto observed = routed_by("linkerd", canary, 20);
  REQUIRE(observed.objects.size() == 1);
  CHECK(retire("linkerd", "smi:v1alpha3", canary, observed).empty());
  CHECK(named(retire("linkerd", "istio", canary, observed), Write::Action::remove) ==
        std::vector<std::string>{"TrafficSplit/podinfo"});
}

TEST_CASE("nginx's canary Ingress is deleted once and the user's Ingress is not written") {
  auto canary = testing::podinfo_canary();
  canary.ingress_name = "podinfo";
  const auto observed = routed_by("nginx", canary, 20, Observed{{testing::podinfo_ingress()}});
  REQUIRE(observed.objects.size() == 2);
  const auto writes = retire("nginx", "istio", canary, observed);
  CHECK(writes.size() == 1);
  CHECK(named(writes, Write::Action::remove) == std::vector<std::string>{"Ingress/podinfo-canary"});
}

}  // namespace
}  // namespace veer::meshes
