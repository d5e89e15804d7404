// Experiment routes (N weighted versions) for istio and gatewayapi: the exact objects written
// (golden files in tests/experiment_golden/, UPDATE_GOLDEN=1 rewrites them), idempotent
// rendering, every split read back as written, the user's VirtualService kept for restoring, and
// the providers that cannot route N versions refused by name.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "meshes/experiment_routes.hpp"
#include "meshes/router_switch.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

model::Experiment experiment(const std::string& provider, json match = json::array()) {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{{"name", name}, {"targetRef", {{"kind", "Deployment"}, {"name", deployment}}}};
  };
  json doc = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata", {{"name", "redesign"}, {"namespace", "shop"}, {"uid", "u-1"}}},
      {"spec",
       {{"provider", provider},
        {"service",
         {{"name", "checkout"},
          {"port", 8080},
          {"hosts", {"shop.example.com"}},
          {"gatewayRefs", {{{"name", "public"}, {"namespace", "gateways"}}}}}},
        {"baseline", version("current", "checkout")},
        {"candidates",
         {version("one-page", "checkout-one-page"), version("express", "checkout-express")}},
        {"metrics", {{{"name", "request-success-rate"}}}},
        {"criteria", {{"objectives", {{{"metric", "request-success-rate"}, {"lowerLimit", 99}}}}}},
        {"strategy", {{"match", match}}}}}};
  auto parsed = model::parse_experiment(doc);
  std::string errors;
  for (const auto& e : parsed.errors) errors += model::to_string(e) + "; ";
  REQUIRE_MESSAGE(parsed.ok(), errors);
  return parsed.value;
}

ExperimentRouting routing(const model::Experiment& e) {
  return experiment_routing_of(e, {{"current", {{"app", "checkout"}}},
                                   {"one-page", {{"app", "checkout-one-page"}}},
                                   {"express", {{"app", "checkout-express"}}}});
}

// The VirtualService a user routed the apex Service with before the Experiment.
json user_virtual_service() {
  return {{"apiVersion", "networking.istio.io/v1beta1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", "checkout"}, {"namespace", "shop"}}},
          {"spec",
           {{"hosts", {"checkout"}},
            {"http", {{{"route", {{{"destination", {{"host", "checkout"}}}}}}}}}}}};
}

const VersionWeights kSplit{{"current", 50}, {"one-page", 30}, {"express", 20}};

std::vector<Write> render(const std::string& provider, const ExperimentRouting& r,
                          const VersionWeights& w, const Observed& observed) {
  auto writes = apply_experiment_routes(provider, r, w, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return writes.value();
}

struct Case {
  std::string provider;
  json match;
  std::string golden;
};

std::vector<Case> cases() {
  const json match = {{{"headers", {{"x-beta", {{"exact", "yes"}}}}}}};
  return {{"istio", json::array(), "istio.json"},
          {"istio", match, "istio-match.json"},
          {"gatewayapi:v1", json::array(), "gatewayapi-v1.json"},
          {"gatewayapi:v1", match, "gatewayapi-v1-match.json"},
          {"gatewayapi:v1beta1", json::array(), "gatewayapi-v1beta1.json"}};
}

std::string golden_path(const std::string& name) {
  return std::string(VEER_SOURCE_DIR) + "/meshes/tests/experiment_golden/" + name;
}

}  // namespace

TEST_CASE("experiment routes: golden objects per provider") {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& c : cases()) {
    CAPTURE(c.golden);
    auto writes = render(c.provider, routing(experiment(c.provider, c.match)), kSplit, {});
    for (const auto& w : writes) CHECK(w.action == Write::Action::create);
    const json list = testing::as_list(writes);
    if (update) {
      std::filesystem::create_directories(
          std::filesystem::path(golden_path(c.golden)).parent_path());
      std::ofstream(golden_path(c.golden)) << list.dump(2) << "\n";
      continue;
    }
    std::ifstream in(golden_path(c.golden));
    REQUIRE_MESSAGE(in.good(), "missing " << golden_path(c.golden) << " (UPDATE_GOLDEN=1)");
    const json expected = json::parse(in);
    CHECK_MESSAGE(list == expected, "difference: " << json::diff(expected, list).dump());
  }
}

TEST_CASE("experiment routes: rendering again from what was written makes no write") {
  for (const auto& c : cases()) {
    CAPTURE(c.golden);
    const auto r = routing(experiment(c.provider, c.match));
    auto cluster = testing::after({}, render(c.provider, r, kSplit, {}));
    for (const auto& w : render(c.provider, r, kSplit, cluster)) {
      CAPTURE(w.object.dump());
      CHECK(w.action == Write::Action::unchanged);
    }
  }
}

TEST_CASE("experiment routes: every split round-trips through apply and read, in place") {
  for (const auto& c : cases()) {
    CAPTURE(c.golden);
    const auto r = routing(experiment(c.provider, c.match));
    Observed cluster;
    for (int a = 0; a <= 100; a += 7) {
      for (int b = 0; a + b <= 100; b += 13) {
        const VersionWeights w{{"current", 100 - a - b}, {"one-page", a}, {"express", b}};
        cluster = testing::after(cluster, render(c.provider, r, w, cluster));
        auto read = read_experiment_routes(c.provider, r, cluster);
        REQUIRE_MESSAGE(read.ok(), testing::why(read));
        CHECK(read.value() == w);
      }
    }
  }
}

TEST_CASE("experiment routes: a user's VirtualService and Service are kept") {
  const auto r = routing(experiment("istio"));
  const json user_vs = user_virtual_service();
  json user_svc = {{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", {{"name", "checkout"}, {"namespace", "shop"}}},
                   {"spec", {{"selector", {{"app", "checkout"}}}}}};
  Observed observed{{user_vs, user_svc}};
  auto writes = render("istio", r, kSplit, observed);
  REQUIRE(writes.size() == 5);
  CHECK(writes[0].action == Write::Action::unchanged);  // the apex Service is the user's
  CHECK(writes[4].action == Write::Action::update);
  const auto& saved =
      writes[4].object["metadata"]["annotations"]["veer.dev/original-configuration"];
  REQUIRE(saved.is_string());
  CHECK(json::parse(saved.get<std::string>()) == user_vs["spec"]);
}

namespace {

// "Kind/name" of each write of `action`.
std::vector<std::string> named(const std::vector<Write>& writes, Write::Action action) {
  std::vector<std::string> out;
  for (const auto& w : writes)
    if (w.action == action)
      out.push_back(w.object.value("kind", "") + "/" + w.object["metadata"].value("name", ""));
  return out;
}

std::vector<Write> retire(const std::string& from, const std::string& to,
                          const ExperimentRouting& r, const Observed& observed) {
  auto writes = retire_experiment_routes(from, to, r, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return writes.value();
}

}  // namespace

TEST_CASE(
    "experiment routes: moving from istio to gatewayapi deletes the VirtualService veer made, "
    "the Services stay") {
  const auto r = routing(experiment("istio"));
  const auto on_istio = testing::after({}, render("istio", r, kSplit, {}));
  REQUIRE(on_istio.objects.size() == 5);  // the apex and 3 version Services, the VirtualService
  const auto writes = retire("istio", "gatewayapi:v1", r, on_istio);
  CHECK(named(writes, Write::Action::remove) ==
        std::vector<std::string>{"VirtualService/checkout"});
  CHECK(writes.size() == 1);
  // Once it is gone, nothing is left to retire.
  CHECK(retire("istio", "gatewayapi:v1", r, testing::after(on_istio, writes)).empty());
  // The same HTTPRoute under another API version is the new provider's to write.
  const auto on_gateway = testing::after({}, render("gatewayapi:v1", r, kSplit, {}));
  CHECK(retire("gatewayapi:v1", "gatewayapi:v1beta1", r, on_gateway).empty());
}

TEST_CASE("experiment routes: moving away, the user's VirtualService gets its own spec back") {
  const auto r = routing(experiment("istio"));
  const json user_vs = user_virtual_service();
  const Observed before{{user_vs}};
  const auto on_istio = testing::after(before, render("istio", r, kSplit, before));
  const auto writes = retire("istio", "gatewayapi:v1", r, on_istio);
  CHECK(named(writes, Write::Action::remove).empty());
  REQUIRE(named(writes, Write::Action::update) ==
          std::vector<std::string>{"VirtualService/checkout"});
  CHECK(writes.front().object["spec"] == user_vs["spec"]);
}

TEST_CASE("experiment routes: an HTTPRoute is pending until every parent accepted its generation") {
  const auto r = routing(experiment("gatewayapi:v1"));
  auto cluster = testing::after({}, render("gatewayapi:v1", r, kSplit, {}));
  CHECK(experiment_routes_pending("gatewayapi:v1", r, cluster).find("no parent has reported") !=
        std::string::npos);
  for (auto& object : cluster.objects) {
    if (object.value("kind", "") != "HTTPRoute") continue;
    object["metadata"]["generation"] = 3;
    object["status"] = {
        {"parents",
         {{{"parentRef", {{"name", "public"}, {"namespace", "gateways"}}},
           {"conditions",
            {{{"type", "Accepted"}, {"status", "True"}, {"observedGeneration", 2}}}}}}}};
  }
  CHECK(experiment_routes_pending("gatewayapi:v1", r, cluster)
            .find("accepted generation 2, not the current 3") != std::string::npos);
  for (auto& object : cluster.objects)
    if (object.value("kind", "") == "HTTPRoute")
      object["status"]["parents"][0]["conditions"][0]["observedGeneration"] = 3;
  CHECK(experiment_routes_pending("gatewayapi:v1", r, cluster) == "");
  // A VirtualService has no such status.
  const auto istio = routing(experiment("istio"));
  CHECK(experiment_routes_pending("istio", istio,
                                  testing::after({}, render("istio", istio, kSplit, {}))) == "");
}

TEST_CASE("experiment routes: providers that cannot route N versions are refused by name") {
  for (const std::string provider : {"linkerd", "smi:v1alpha3", "nginx", "contour"}) {
    CAPTURE(provider);
    const auto r = routing(experiment("istio"));
    const auto problem = experiment_routing_problem(provider, r);
    CHECK(problem.find("provider " + provider) != std::string::npos);
    if (provider != "contour") CHECK(problem.find("two versions only") != std::string::npos);
    CHECK_FALSE(apply_experiment_routes(provider, r, kSplit, {}).ok());
  }
  // A match an HTTPRoute cannot express: refused naming the Experiment's field.
  auto gateway = routing(experiment("gatewayapi:v1"));
  gateway.match = {{{"headers", {{"x-beta", {{"prefix", "y"}}}}}}};
  const auto problem = experiment_routing_problem("gatewayapi:v1", gateway);
  CHECK_MESSAGE(problem.find("spec.strategy.match[0].headers.x-beta: Gateway API supports only "
                             "exact and regex matches") != std::string::npos,
                problem);
  CHECK_FALSE(apply_experiment_routes("gatewayapi:v1", gateway, kSplit, {}).ok());
  gateway.match = {{{"sourceLabels", {{"app", "web"}}}}};
  CHECK(
      experiment_routing_problem("gatewayapi:v1", gateway)
          .find("spec.strategy.match[0].sourceLabels cannot be routed by provider gatewayapi:v1") !=
      std::string::npos);
  auto no_selector = routing(experiment("istio"));
  no_selector.versions[1].selector = json::object();
  CHECK(experiment_routing_problem("istio", no_selector).find("version one-page") !=
        std::string::npos);
}

}  // namespace veer::meshes
