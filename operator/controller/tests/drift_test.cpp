// Drift: a router object veer wrote is edited by someone else mid-rollout. The next pass writes
// veer's fields back, once, and says so in a Warning Event (and the log) naming the object and
// the field; an edit of fields veer does not own is kept and costs no write.
#include <doctest/doctest.h>

#include "operator/controller/tests/support/rollout.hpp"
#include "operator/controller/tests/support/write_log.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;
using nlohmann::json;
namespace sim = veer::controller::simulation;

namespace {

const char* const kIstio = "networking.istio.io/v1beta1";
const char* const kGateway = "gateway.networking.k8s.io/v1";

std::vector<std::string> drift_events(Rollout& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events()) {
    auto message = e.value("message", "");
    if (message.find("was changed outside veer") != std::string::npos) {
      CHECK(e.value("type", "") == "Warning");
      out.push_back(message);
    }
  }
  return out;
}

int status_weight(Rollout& r) {
  return r.canary()["status"].value("canaryWeight", -1);
}

// Passes until the canary gets traffic.
void until_canary_weight(Rollout& r) {
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  r.until("Progressing");
  for (int i = 0; i < 20 && status_weight(r) == 0; ++i) r.pass();
  REQUIRE(status_weight(r) > 0);
}

// One pass through a write log; the writes it made, by "<verb> <Kind>".
std::size_t writes_to(Rollout& r, const std::string& what) {
  WriteLog log(r.cluster);
  r.api = &log;
  r.pass();
  r.api = &r.cluster;
  return log.count(what);
}

}  // namespace

TEST_CASE("an edited VirtualService weight is written back once, with an event naming the field") {
  Rollout r("istio");
  until_canary_weight(r);
  auto vs = r.get(kIstio, "VirtualService", "podinfo");
  REQUIRE(vs["metadata"]["annotations"].contains("veer.dev/applied-hash"));
  vs["spec"]["http"][0]["route"][0]["weight"] = 0;
  vs["spec"]["http"][0]["route"][1]["weight"] = 100;
  REQUIRE(r.cluster.update(vs));

  CHECK(writes_to(r, "update VirtualService") == 1);
  CHECK(istio_canary_weight(r.get(kIstio, "VirtualService", "podinfo")) == status_weight(r));
  auto events = drift_events(r);
  REQUIRE(events.size() == 1);
  CHECK(events[0].find("VirtualService podinfo.default") != std::string::npos);
  CHECK(events[0].find("spec.http[0].route[1].weight") != std::string::npos);

  // Restored: the next passes find nothing to say (a step may still move the weight).
  r.pass();
  r.pass();
  CHECK(drift_events(r).size() == 1);
}

TEST_CASE("an edited HTTPRoute backendRef list is written back once") {
  json c = sim::canary("default", "podinfo", "gatewayapi:v1");
  c["spec"]["service"]["gatewayRefs"] =
      json::array({{{"name", "gateway"}, {"namespace", "istio-ingress"}}});
  Rollout r("gatewayapi:v1", c);
  until_canary_weight(r);
  auto route = r.get(kGateway, "HTTPRoute", "podinfo");
  auto& refs = route["spec"]["rules"][0]["backendRefs"];
  REQUIRE(refs.size() == 2);
  refs.erase(1);  // the canary backend dropped by hand
  REQUIRE(r.cluster.update(route));

  CHECK(writes_to(r, "update HTTPRoute") == 1);
  const auto restored = r.get(kGateway, "HTTPRoute", "podinfo")["spec"]["rules"][0];
  REQUIRE(restored["backendRefs"].size() == 2);
  CHECK(restored["backendRefs"][1]["name"] == "podinfo-canary");
  CHECK(restored["backendRefs"][1]["weight"] == status_weight(r));
  auto events = drift_events(r);
  REQUIRE(events.size() == 1);
  CHECK(events[0].find("HTTPRoute podinfo.default") != std::string::npos);
  CHECK(events[0].find("spec.rules[0].backendRefs") != std::string::npos);
}

TEST_CASE("an edited canary Ingress annotation is written back once") {
  auto c = sim::canary("default", "podinfo", "nginx");
  c["spec"]["ingressRef"] = {
      {"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}};
  Rollout r("nginx", c);
  REQUIRE(r.cluster.create(podinfo_ingress()));
  until_canary_weight(r);
  auto canary_ingress = r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary");
  canary_ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] = "100";
  REQUIRE(r.cluster.update(canary_ingress));

  CHECK(writes_to(r, "update Ingress") == 1);
  const auto annotations =
      r.get("networking.k8s.io/v1", "Ingress", "podinfo-canary")["metadata"]["annotations"];
  CHECK(annotations["nginx.ingress.kubernetes.io/canary-weight"] ==
        std::to_string(status_weight(r)));
  auto events = drift_events(r);
  REQUIRE(events.size() == 1);
  CHECK(events[0].find("Ingress podinfo-canary.default") != std::string::npos);
  CHECK(events[0].find("metadata.annotations.nginx.ingress.kubernetes.io/canary-weight") !=
        std::string::npos);
}

TEST_CASE("an edit veer does not own is kept: no write, no drift event") {
  Rollout r("istio");
  r.until("Initialized");
  r.pass();  // the kubelet stand-in reports the scale-down
  auto vs = r.get(kIstio, "VirtualService", "podinfo");
  vs["metadata"]["labels"]["team"] = "payments";  // the user's label
  vs["spec"]["http"].insert(vs["spec"]["http"].begin(),
                            json::parse(R"({"match": [{"uri": {"prefix": "/legacy"}}],
                                            "route": [{"destination": {"host": "legacy"}}]})"));
  vs["status"] = {{"validationMessages", json::array()}};  // as Istio's status writer would
  REQUIRE(r.cluster.update(vs));

  CHECK(writes_to(r, "update VirtualService") == 0);
  CHECK(writes_to(r, "update VirtualService") == 0);
  const auto kept = r.get(kIstio, "VirtualService", "podinfo");
  CHECK(kept["metadata"]["labels"]["team"] == "payments");
  CHECK(kept["spec"]["http"][0]["route"][0]["destination"]["host"] == "legacy");
  CHECK(drift_events(r).empty());
}

TEST_CASE("a weight step is veer's own change, not drift") {
  Rollout r("istio");
  until_canary_weight(r);
  const int before = status_weight(r);
  for (int i = 0; i < 20 && status_weight(r) == before; ++i) r.pass();
  CHECK(status_weight(r) > before);
  CHECK(drift_events(r).empty());
}
