// Experiment routes on the two-version providers (issue 16): SMI's TrafficSplit and NGINX's
// canary Ingress, written by the Canary routers' own code for a baseline and one candidate. The
// exact objects (golden files in tests/experiment_golden/, UPDATE_GOLDEN=1 rewrites them),
// idempotent rendering, every split read back as written, the user's objects restored or left
// alone on deletion, the TrafficSplit as its upstream CRD stores it, and what they cannot route
// refused naming the field.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "meshes/experiment_routes.hpp"
#include "support/crd_schema.hpp"
#include "support/scenarios.hpp"
#include "testing/text.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

const json kShopIngress = json::parse(R"({
  "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
  "metadata": {"name": "shop", "namespace": "shop", "labels": {"team": "web"},
               "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
  "spec": {"ingressClassName": "nginx",
           "rules": [{"host": "shop.example.com", "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": "checkout", "port": {"number": 8080}}}}]}}]}
})");

const json kNginxMatch = json::parse(R"([
  {"headers": {"x-beta": {"exact": "yes"}}},
  {"headers": {"cookie": {"exact": "beta"}}}
])");

// A baseline `current` and `candidates` more (express, one-page) of Service checkout.
json two_version_document(const std::string& provider, int candidates = 1,
                          json match = json::array()) {
  auto version = [](const std::string& name, const std::string& deployment) {
    return json{{"name", name}, {"targetRef", {{"kind", "Deployment"}, {"name", deployment}}}};
  };
  json listed = json::array({version("express", "checkout-express")});
  if (candidates > 1) listed.push_back(version("one-page", "checkout-one-page"));
  json strategy = {{"match", match}};
  if (!match.empty()) {
    strategy["traffic"] = "fixed-split";
    strategy["fixedSplit"] = {{"current", 0}, {"express", 100}};
  }
  json doc = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata", {{"name", "redesign"}, {"namespace", "shop"}, {"uid", "u-2"}}},
      {"spec",
       {{"provider", provider},
        {"service", {{"name", "checkout"}, {"port", 8080}}},
        {"baseline", version("current", "checkout")},
        {"candidates", listed},
        {"metrics", {{{"name", "request-success-rate"}}}},
        {"criteria", {{"objectives", {{{"metric", "request-success-rate"}, {"lowerLimit", 99}}}}}},
        {"strategy", strategy}}}};
  if (provider == "nginx") doc["spec"]["ingressRef"] = {{"name", "shop"}};
  return doc;
}

ExperimentRouting two_version_routing(const json& doc) {
  auto parsed = model::parse_experiment(doc);
  std::string errors;
  for (const auto& e : parsed.errors) errors += model::to_string(e) + "; ";
  REQUIRE_MESSAGE(parsed.ok(), errors);
  return experiment_routing_of(parsed.value, {{"current", {{"app", "checkout"}}},
                                              {"express", {{"app", "checkout-express"}}},
                                              {"one-page", {{"app", "checkout-one-page"}}}});
}

struct TwoVersionCase {
  std::string provider;
  json match;
  std::string golden;
  Observed before;  // what the user has before veer renders
};

std::vector<TwoVersionCase> two_version_cases() {
  const Observed ingress{{kShopIngress}};
  return {{"smi", json::array(), "smi.json", {}},
          {"smi:v1alpha2", json::array(), "smi-v1alpha2.json", {}},
          {"linkerd", json::array(), "linkerd.json", {}},
          {"nginx", json::array(), "nginx.json", ingress},
          {"nginx", kNginxMatch, "nginx-match.json", ingress}};
}

ExperimentRouting routing_of_case(const TwoVersionCase& c) {
  return two_version_routing(two_version_document(c.provider, 1, c.match));
}

std::vector<Write> render_two(const std::string& provider, const ExperimentRouting& r,
                              const VersionWeights& w, const Observed& observed) {
  auto writes = apply_experiment_routes(provider, r, w, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  return writes.value();
}

const json* find_kind(const Observed& cluster, const std::string& kind, const std::string& name) {
  for (const auto& object : cluster.objects)
    if (object.value("kind", "") == kind &&
        object.value("/metadata/name"_json_pointer, std::string()) == name)
      return &object;
  return nullptr;
}

std::string two_version_golden(const std::string& name) {
  return std::string(VEER_SOURCE_DIR) + "/meshes/tests/experiment_golden/" + name;
}

}  // namespace

TEST_CASE("two-version experiment routes: golden objects per provider") {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& c : two_version_cases()) {
    CAPTURE(c.golden);
    const VersionWeights split{{"current", 70}, {"express", 30}};
    const VersionWeights all_in{{"current", 0}, {"express", 100}};
    auto writes =
        render_two(c.provider, routing_of_case(c), c.match.empty() ? split : all_in, c.before);
    for (const auto& w : writes) CHECK(w.action == Write::Action::create);
    const json list = testing::as_list(writes);
    if (update) {
      std::ofstream(two_version_golden(c.golden)) << list.dump(2) << "\n";
      continue;
    }
    std::ifstream in(two_version_golden(c.golden));
    REQUIRE_MESSAGE(in.good(), "missing " << two_version_golden(c.golden) << " (UPDATE_GOLDEN=1)");
    const json expected = json::parse(in);
    CHECK_MESSAGE(list == expected, "difference: " << json::diff(expected, list).dump());
  }
}

TEST_CASE("two-version experiment routes: the router objects say the split") {
  // SMI: the apex split between the two version Services (v1alpha1 weights are quantities).
  const auto smi = two_version_routing(two_version_document("smi"));
  auto cluster = testing::after({}, render_two("smi", smi, {{"current", 70}, {"express", 30}}, {}));
  const json* split = find_kind(cluster, "TrafficSplit", "checkout");
  REQUIRE(split != nullptr);
  CHECK((*split)["apiVersion"] == "split.smi-spec.io/v1alpha1");
  CHECK((*split)["spec"]["service"] == "checkout");
  CHECK((*split)["spec"]["backends"] ==
        json::parse(R"([{"service": "checkout-current", "weight": "70"},
                        {"service": "checkout-express", "weight": "30"}])"));
  CHECK((*split)["metadata"]["ownerReferences"][0]["kind"] == "Experiment");
  CHECK(find_kind(cluster, "Service", "checkout-express") != nullptr);

  // NGINX: the user's Ingress untouched, its copy sending 30% to the candidate's Service.
  const auto nginx = two_version_routing(two_version_document("nginx"));
  auto writes = render_two("nginx", nginx, {{"current", 70}, {"express", 30}}, {{kShopIngress}});
  cluster = testing::after({{kShopIngress}}, writes);
  CHECK(*find_kind(cluster, "Ingress", "shop") == kShopIngress);
  const json* copy = find_kind(cluster, "Ingress", "shop-canary");
  REQUIRE(copy != nullptr);
  const auto& annotations = (*copy)["metadata"]["annotations"];
  CHECK(annotations["nginx.ingress.kubernetes.io/canary"] == "true");
  CHECK(annotations["nginx.ingress.kubernetes.io/canary-weight"] == "30");
  CHECK(annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "8m");
  CHECK((*copy)["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] ==
        "checkout-express");

  // With a match: every matching request to the candidate, by header and cookie.
  const auto matched = two_version_routing(two_version_document("nginx", 1, kNginxMatch));
  cluster = testing::after(
      {{kShopIngress}},
      render_two("nginx", matched, {{"current", 0}, {"express", 100}}, {{kShopIngress}}));
  const auto& by = find_kind(cluster, "Ingress", "shop-canary")->at("metadata").at("annotations");
  CHECK(by["nginx.ingress.kubernetes.io/canary-weight"] == "0");
  CHECK(by["nginx.ingress.kubernetes.io/canary-by-header"] == "x-beta");
  CHECK(by["nginx.ingress.kubernetes.io/canary-by-header-value"] == "yes");
  CHECK(by["nginx.ingress.kubernetes.io/canary-by-cookie"] == "beta");

  // The operator's annotation prefix is the one written.
  auto prefixed = nginx;
  prefixed.nginx_annotation_prefix = "example.com";
  auto renamed =
      render_two("nginx", prefixed, {{"current", 70}, {"express", 30}}, {{kShopIngress}});
  CHECK(renamed.back().object["metadata"]["annotations"]["example.com/canary-weight"] == "30");
}

TEST_CASE("two-version experiment routes: rendering again from what was written makes no write") {
  for (const auto& c : two_version_cases()) {
    CAPTURE(c.golden);
    const auto r = routing_of_case(c);
    const VersionWeights w{{"current", c.match.empty() ? 40 : 0},
                           {"express", c.match.empty() ? 60 : 100}};
    auto cluster = testing::after(c.before, render_two(c.provider, r, w, c.before));
    for (const auto& again : render_two(c.provider, r, w, cluster)) {
      CAPTURE(again.object.dump());
      CHECK(again.action == Write::Action::unchanged);
    }
  }
}

TEST_CASE("two-version experiment routes: every split round-trips through apply and read") {
  for (const auto& c : two_version_cases()) {
    CAPTURE(c.golden);
    const auto r = routing_of_case(c);
    Observed cluster = c.before;
    int checked = 0;
    for (int candidate = 0; candidate <= 100; ++candidate) {
      // NGINX cannot split matching requests by percent: 0 or 100 only (refused below).
      if (!c.match.empty() && candidate != 0 && candidate != 100) continue;
      const VersionWeights w{{"current", 100 - candidate}, {"express", candidate}};
      cluster = testing::after(cluster, render_two(c.provider, r, w, cluster));
      auto read = read_experiment_routes(c.provider, r, cluster);
      REQUIRE_MESSAGE(read.ok(), testing::why(read));
      CHECK(read.value() == w);
      ++checked;
    }
    CHECK(checked == (c.match.empty() ? 101 : 2));
  }
  const auto matched = two_version_routing(two_version_document("nginx", 1, kNginxMatch));
  auto refused = apply_experiment_routes("nginx", matched, {{"current", 50}, {"express", 50}},
                                         {{kShopIngress}});
  REQUIRE_FALSE(refused.ok());
  CHECK(veer::testing::contains(refused.error().message, "cannot split them by percent"));
  CHECK(veer::testing::contains(refused.error().message, "got 50"));
}

TEST_CASE("two-version experiment routes: deletion restores the user's TrafficSplit") {
  const auto r = two_version_routing(two_version_document("smi:v1alpha2"));
  const json user_split = json::parse(R"({
    "apiVersion": "split.smi-spec.io/v1alpha2", "kind": "TrafficSplit",
    "metadata": {"name": "checkout", "namespace": "shop"},
    "spec": {"service": "checkout", "backends": [{"service": "checkout", "weight": 100}]}})");
  auto writes = render_two("smi:v1alpha2", r, {{"current", 90}, {"express", 10}}, {{user_split}});
  REQUIRE(writes.back().action == Write::Action::update);
  const auto& saved =
      writes.back().object["metadata"]["annotations"]["veer.dev/original-configuration"];
  REQUIRE(saved.is_string());
  CHECK(json::parse(saved.get<std::string>()) == user_split["spec"]);
  // Later steps keep the saved spec; deletion writes it back.
  auto cluster = testing::after({{user_split}}, writes);
  cluster = testing::after(
      cluster, render_two("smi:v1alpha2", r, {{"current", 50}, {"express", 50}}, cluster));
  auto restored = restore_experiment_routes("smi:v1alpha2", r, cluster);
  REQUIRE_MESSAGE(restored.ok(), testing::why(restored));
  REQUIRE(restored->size() == 1);
  CHECK(restored->front().action == Write::Action::update);
  CHECK(restored->front().object["spec"] == user_split["spec"]);
  // A TrafficSplit veer created goes with the Experiment: nothing to write.
  auto created =
      testing::after({}, render_two("smi:v1alpha2", r, {{"current", 50}, {"express", 50}}, {}));
  auto nothing = restore_experiment_routes("smi:v1alpha2", r, created);
  REQUIRE(nothing.ok());
  CHECK(nothing->empty());
}

TEST_CASE("two-version experiment routes: deletion removes the canary Ingress, not the user's") {
  const auto r = two_version_routing(two_version_document("nginx"));
  auto cluster =
      testing::after({{kShopIngress}},
                     render_two("nginx", r, {{"current", 70}, {"express", 30}}, {{kShopIngress}}));
  auto restored = restore_experiment_routes("nginx", r, cluster);
  REQUIRE_MESSAGE(restored.ok(), testing::why(restored));
  REQUIRE(restored->size() == 1);
  CHECK(restored->front().action == Write::Action::remove);
  CHECK(restored->front().object["metadata"]["name"] == "shop-canary");
  // An Ingress of that name the Experiment does not control is left alone.
  json foreign = kShopIngress;
  foreign["metadata"]["name"] = "shop-canary";
  auto left = restore_experiment_routes("nginx", r, {{kShopIngress, foreign}});
  REQUIRE(left.ok());
  CHECK(left->empty());
  // The objects the controller observes: the Services, then both Ingresses.
  const auto refs = experiment_objects("nginx", r);
  REQUIRE(refs.size() == 5);
  CHECK(refs[3].name == "shop");
  CHECK(refs[4].name == "shop-canary");
  const auto smi_refs = experiment_objects("smi", two_version_routing(two_version_document("smi")));
  REQUIRE(smi_refs.size() == 4);
  CHECK(smi_refs[3].kind == "TrafficSplit");
}

TEST_CASE("two-version experiment routes: what SMI and NGINX cannot route is refused, named") {
  for (const std::string provider : {"smi", "smi:v1alpha3", "linkerd", "nginx"}) {
    CAPTURE(provider);
    auto doc = two_version_document(provider);
    // Three versions: the model refuses them; a routing built anyway is refused too.
    doc["spec"]["candidates"].push_back(
        {{"name", "one-page"}, {"targetRef", {{"kind", "Deployment"}, {"name", "one-page"}}}});
    auto parsed = model::parse_experiment(doc);
    auto three = experiment_routing_of(
        parsed.value,
        {{"current", {{"app", "a"}}}, {"express", {{"app", "b"}}}, {"one-page", {{"app", "c"}}}});
    const auto problem = experiment_routing_problem(provider, three);
    CHECK(veer::testing::contains(problem, "provider " + provider + " routes two versions only"));
    CHECK(veer::testing::contains(problem, "got 3 versions (spec.candidates)"));
    CHECK_FALSE(apply_experiment_routes(provider, three, {}, {{kShopIngress}}).ok());
    CHECK_FALSE(read_experiment_routes(provider, three, {}).ok());
  }
  // SMI has no header match.
  auto smi = two_version_routing(two_version_document("smi"));
  smi.match = kNginxMatch;
  CHECK(veer::testing::contains(experiment_routing_problem("smi", smi),
                                "provider smi cannot route by request headers or cookies "
                                "(spec.strategy.match)"));
  // NGINX needs the user's Ingress, and a match it can express.
  auto nginx = two_version_routing(two_version_document("nginx"));
  nginx.owner.ingress_name.clear();
  CHECK(
      veer::testing::contains(experiment_routing_problem("nginx", nginx), "spec.ingressRef.name"));
  nginx = two_version_routing(two_version_document("nginx"));
  nginx.match = json::parse(R"([{"uri": {"prefix": "/beta"}}])");
  CHECK(veer::testing::contains(experiment_routing_problem("nginx", nginx),
                                "spec.strategy.match[0].uri cannot be routed by provider nginx"));
  nginx.match = json::parse(R"([{"headers": {"x-a": {"exact": "1"}, "x-b": {"exact": "2"}}}])");
  CHECK(veer::testing::contains(experiment_routing_problem("nginx", nginx),
                                "spec.strategy.match[0].headers.x-b asks for canary-by-header"));
  CHECK(experiment_routing_problem("nginx", routing_of_case(two_version_cases().back())) == "");
  // A user Ingress that does not lead to the apex Service is said when rendering.
  json elsewhere = kShopIngress;
  elsewhere["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "other";
  auto unrouted =
      apply_experiment_routes("nginx", two_version_routing(two_version_document("nginx")),
                              {{"current", 50}, {"express", 50}}, {{elsewhere}});
  REQUIRE_FALSE(unrouted.ok());
  CHECK(veer::testing::contains(unrouted.error().message,
                                "no backend points at the apex Service checkout"));
}

TEST_CASE(
    "two-version experiment routes: NGINX refuses an apex Service that selects the candidate") {
  const auto r = two_version_routing(two_version_document("nginx"));
  json apex = {{"apiVersion", "v1"},
               {"kind", "Service"},
               {"metadata", {{"name", "checkout"}, {"namespace", "shop"}}},
               {"spec", {{"selector", {{"app", "checkout-express"}}}}}};
  auto refused = apply_experiment_routes("nginx", r, {{"current", 50}, {"express", 50}},
                                         {{kShopIngress, apex}});
  REQUIRE_FALSE(refused.ok());
  CHECK(veer::testing::contains(refused.error().message,
                                "Service checkout selects the pods of version express too"));
  // Selecting the baseline's pods (or nothing): routed, the user's Service left as it is.
  for (const json& selector : {json{{"app", "checkout"}}, json::object()}) {
    apex["spec"]["selector"] = selector;
    auto writes = apply_experiment_routes("nginx", r, {{"current", 50}, {"express", 50}},
                                          {{kShopIngress, apex}});
    REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
    CHECK(writes->front().action == Write::Action::unchanged);
  }
}

TEST_CASE("two-version experiment routes: the TrafficSplit is as its upstream CRD stores it") {
  const auto dir = testing::upstream_crds_dir();
  if (!std::filesystem::is_directory(dir)) {
    const char* named = std::getenv("VEER_UPSTREAM_CRDS");
    REQUIRE_MESSAGE(!(named && *named), "VEER_UPSTREAM_CRDS names no folder: " << dir);
    MESSAGE("no upstream CRDs in " << dir << " (VEER_UPSTREAM_CRDS): not checked");
    return;
  }
  static const auto schemas = testing::CrdSchemas::load(dir);
  int checked = 0;
  for (const std::string provider : {"smi", "smi:v1alpha2", "linkerd"}) {
    CAPTURE(provider);
    const auto r = two_version_routing(two_version_document(provider));
    for (const auto& w : render_two(provider, r, {{"current", 70}, {"express", 30}}, {})) {
      if (!schemas.covers(w.object)) continue;
      ++checked;
      const auto kept = schemas.stored(w.object);
      CHECK_MESSAGE(kept == w.object,
                    "the server would change (RFC 6902) " << json::diff(w.object, kept).dump());
    }
  }
  CHECK(checked == 3);
}

}  // namespace veer::meshes
