// A Canary that names a URL the outbound policy denies gets one Warning event per denied URL
// (naming the field, the URL without its secrets), not one at every pass; a changed URL is told
// again.
#include <doctest/doctest.h>

#include "operator/controller/simulation.hpp"
#include "operator/runtime/denied_urls.hpp"
#include "operator/runtime/tests/support/simulated_operator.hpp"
#include "testing/text.hpp"

using namespace veer;
using namespace std::chrono_literals;
namespace sim = veer::controller::simulation;
using nlohmann::json;

namespace {

std::vector<std::string> denied_events(kube::Cluster& cluster, const std::string& ns) {
  std::vector<std::string> out;
  auto listed = cluster.list({"", "v1", "events", "Event"}, ns);
  REQUIRE(listed);
  for (const auto& e : listed->items)
    if (e.value("reason", "") == "OutboundURLDenied") {
      CHECK(e.value("type", "") == "Warning");
      CHECK(e["involvedObject"].value("name", "") == "podinfo");
      out.push_back(e.value("message", ""));
    }
  return out;
}

using veer::testing::contains;

}  // namespace

TEST_CASE(
    "denied URLs of a Canary, its MetricTemplate and AlertProvider are found and shown safely") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create(json{
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "MetricTemplate"},
      {"metadata", {{"name", "latency"}, {"namespace", "shop"}}},
      {"spec",
       {{"provider", {{"type", "prometheus"}, {"address", "http://reader:pa55word@10.1.2.3:9090"}}},
        {"query", "up"}}}}));
  REQUIRE(w.cluster.create(
      json{{"apiVersion", "veer.dev/v1beta1"},
           {"kind", "AlertProvider"},
           {"metadata", {{"name", "on-call"}, {"namespace", "shop"}}},
           {"spec",
            {{"type", "slack"}, {"address", "https://hooks.internal/services/T0/B0/XSECRETX"}}}}));
  auto canary = sim::canary("shop", "podinfo", "istio");
  auto& analysis = canary["spec"]["analysis"];
  analysis["metrics"].push_back({{"name", "latency"},
                                 {"interval", "1m"},
                                 {"templateRef", {{"name", "latency"}}},
                                 {"thresholdRange", {{"max", 500}}}});
  analysis["alerts"] = json::array({{{"name", "page"}, {"providerRef", {{"name", "on-call"}}}}});
  analysis["webhooks"] = json::array(
      {{{"name", "ok"}, {"url", "http://loadtester.shop/"}},
       {{"name", "metadata"}, {"url", "http://169.254.169.254/latest/?token=XTOKENX"}}});
  auto parsed = model::parse_canary(canary);
  for (const auto& e : parsed.errors) MESSAGE(model::to_string(e));
  REQUIRE(parsed.ok());

  http::OutboundPolicy policy;  // the defaults: any host but link-local ones
  auto denied = runtime::denied_urls(parsed.value, w.cluster, policy);
  REQUIRE(denied.size() == 1);
  CHECK(denied[0].field == "spec.analysis.webhooks[1].url");
  CHECK(contains(denied[0].reason, "169.254"));
  CHECK_FALSE(contains(denied[0].shown, "XTOKENX"));

  policy.allowed_hosts = {"*.shop"};
  denied = runtime::denied_urls(parsed.value, w.cluster, policy);
  REQUIRE(denied.size() == 3);
  std::string all;
  for (const auto& d : denied) all += runtime::denied_url_message(d) + "\n";
  CHECK(contains(all, "spec.analysis.webhooks[1].url names a URL the outbound policy denies"));
  CHECK(contains(all, "MetricTemplate shop/latency spec.provider.address"));
  CHECK(contains(all, "10.1.2.3:9090"));
  CHECK(contains(all, "AlertProvider shop/on-call spec.address"));
  CHECK(contains(all, "https://hooks.internal"));
  CHECK(contains(all, "not in --allowed-url-hosts (*.shop)"));
  for (const char* secret : {"pa55word", "reader", "XSECRETX", "services/T0", "XTOKENX"})
    CHECK_FALSE(contains(all, secret));
}

TEST_CASE("the operator writes one Warning event per denied URL, not one per pass") {
  runtime::testing::World w;
  w.add_namespace("shop");
  w.add_app("shop", "podinfo");
  auto canary = w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo");
  canary["spec"]["analysis"]["webhooks"] =
      json::array({{{"name", "load"}, {"url", "http://169.254.169.254/load"}}});
  REQUIRE(w.cluster.update(canary));

  runtime::testing::SimulatedOperator op(w, "shop");
  REQUIRE(op.run_until_phase("podinfo", "Initialized", 10min));
  w.set_image("shop", "podinfo", "podinfo:6.0.1");
  REQUIRE(op.run_until_phase("podinfo", "Succeeded", 30min));
  const auto reconciles = op.manager().reconciles();
  CHECK(reconciles > 5);

  auto events = denied_events(w.cluster, "shop");
  REQUIRE(events.size() == 1);
  CHECK(contains(events[0],
                 "spec.analysis.webhooks[0].url names a URL the outbound policy "
                 "denies, http://169.254.169.254/load: "));

  // A new URL (denied too) is told once more; the old one is not repeated.
  canary = w.get("veer.dev/v1beta1", "Canary", "shop", "podinfo");
  canary["spec"]["analysis"]["webhooks"][0]["url"] = "http://169.254.169.254/other";
  REQUIRE(w.cluster.update(canary));
  REQUIRE(op.run_until([&] { return denied_events(w.cluster, "shop").size() == 2; }, 10min));
  op.run_for(11min);  // resyncs pass
  CHECK(op.manager().reconciles() > reconciles + 1);
  events = denied_events(w.cluster, "shop");
  REQUIRE(events.size() == 2);
  CHECK((contains(events[0], "/other") || contains(events[1], "/other")));
}

TEST_CASE(
    "what a Canary names is read once per resourceVersion, parsed again when its spec changes") {
  runtime::testing::World w;
  w.add_namespace("shop");
  auto canary = sim::canary("shop", "podinfo", "istio");
  canary["metadata"]["resourceVersion"] = "7";
  canary["metadata"]["uid"] = "u1";
  canary["metadata"]["generation"] = 1;
  canary["spec"]["analysis"]["webhooks"] =
      json::array({{{"name", "load"}, {"url", "http://169.254.169.254/load"}}});
  runtime::DeniedUrlEvents events(w.cluster, w.clock);
  int reads = 0;
  auto read = [&]() -> std::optional<json> {
    ++reads;
    return canary;
  };
  CHECK(events.check("shop/podinfo", "7", read) == 1);
  CHECK(reads == 1);
  CHECK(events.check("shop/podinfo", "7", read) == 0);  // nothing new: not read again
  CHECK(reads == 1);

  // A status write (a new resourceVersion, the same generation): read, nothing new to tell.
  canary["metadata"]["resourceVersion"] = "8";
  CHECK(events.check("shop/podinfo", "8", read) == 0);
  CHECK(reads == 2);
  CHECK(events.check("shop/podinfo", "8", read) == 0);
  CHECK(reads == 2);

  // A spec change (generation 2): its new URL is told.
  canary["metadata"]["resourceVersion"] = "9";
  canary["metadata"]["generation"] = 2;
  canary["spec"]["analysis"]["webhooks"][0]["url"] = "http://169.254.169.254/other";
  CHECK(events.check("shop/podinfo", "9", read) == 1);
  CHECK(reads == 3);
  REQUIRE(denied_events(w.cluster, "shop").size() == 2);

  // The same name and generation, another uid (deleted and created again): parsed again.
  canary["metadata"]["resourceVersion"] = "10";
  canary["metadata"]["uid"] = "u2";
  canary["metadata"]["generation"] = 2;
  canary["spec"]["analysis"]["webhooks"][0]["url"] = "http://169.254.169.254/third";
  CHECK(events.check("shop/podinfo", "10", read) == 1);
  CHECK(reads == 4);

  // Forgotten (the Canary was deleted): read again, and its denied URL told again.
  events.forget("shop", "podinfo");
  CHECK(events.check("shop/podinfo", "10", read) == 1);
  CHECK(reads == 5);
}
