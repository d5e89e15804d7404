// Which providers route an Experiment and how many versions (issue 16): SMI and NGINX route a
// baseline and one candidate, said on spec.candidates with the provider; NGINX needs
// spec.ingressRef and can send matching requests to the candidate only whole (0 or 100).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "model/experiment.hpp"
#include "model/mesh_providers.hpp"
#include "model/tests/support/field_errors.hpp"

using nlohmann::json;
using namespace veer::model;
using veer::model::testing::has_error;

namespace {

json baseline_and_one_candidate(const std::string& provider) {
  json doc = json::parse(R"json({
  "apiVersion": "veer.dev/v1beta1", "kind": "Experiment",
  "metadata": {"name": "checkout", "namespace": "shop"},
  "spec": {
    "service": {"name": "checkout", "port": 80},
    "baseline": {"name": "v1", "targetRef": {"kind": "Deployment", "name": "checkout-v1"}},
    "candidates": [{"name": "v2", "targetRef": {"kind": "Deployment", "name": "checkout-v2"}}],
    "metrics": [{"name": "request-success-rate"}],
    "criteria": {"objectives": [{"metric": "request-success-rate", "lowerLimit": 99}]}
  }
})json");
  doc["spec"]["provider"] = provider;
  if (provider == "nginx") doc["spec"]["ingressRef"] = {{"name", "shop"}};
  return doc;
}

std::string reasons_of(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += to_string(e) + "; ";
  return out;
}

}  // namespace

TEST_CASE("Experiment providers: SMI and NGINX route a baseline and one candidate") {
  for (const std::string provider :
       {"smi", "smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3", "linkerd", "nginx"}) {
    CAPTURE(provider);
    CHECK(experiment_splits_two_versions_only(provider));
    CHECK(experiment_provider_gap(provider) == "");
    auto two = parse_experiment(baseline_and_one_candidate(provider));
    CHECK_MESSAGE(two.ok(), reasons_of(two.errors));
    CHECK(two.value.spec.provider == provider);

    auto three = baseline_and_one_candidate(provider);
    three["spec"]["candidates"].push_back(
        {{"name", "v3"}, {"targetRef", {{"kind", "Deployment"}, {"name", "checkout-v3"}}}});
    auto e = parse_experiment(three).errors;
    CHECK_MESSAGE(has_error(e, "spec.candidates",
                            "provider " + provider +
                                " routes two versions only (the baseline and one candidate), got "
                                "3 versions: use istio or gatewayapi for more"),
                  reasons_of(e));
    CHECK(e.size() == 1);
  }
  for (const std::string provider : {"istio", "gatewayapi", "contour", ""})
    CHECK_FALSE(experiment_splits_two_versions_only(provider));
  // Performance routes nothing: any number of versions on any provider.
  auto load = baseline_and_one_candidate("nginx");
  load["spec"]["strategy"] = {{"testingPattern", "performance"}};
  load["spec"]["candidates"].push_back(
      {{"name", "v3"}, {"targetRef", {{"kind", "Deployment"}, {"name", "checkout-v3"}}}});
  CHECK(parse_experiment(load).ok());
}

TEST_CASE("Experiment providers: nginx needs spec.ingressRef, which no other provider uses") {
  auto doc = baseline_and_one_candidate("nginx");
  doc["spec"].erase("ingressRef");
  CHECK(
      has_error(parse_experiment(doc).errors, "spec.ingressRef", "is required for provider nginx"));
  doc = baseline_and_one_candidate("nginx");
  auto parsed = parse_experiment(doc);
  REQUIRE(parsed.value.spec.ingress_ref.has_value());
  CHECK(parsed.value.spec.ingress_ref->name == "shop");
  doc["spec"]["provider"] = "istio";
  CHECK(has_error(parse_experiment(doc).errors, "spec.ingressRef",
                  "is only used by provider nginx, not istio"));
  doc["spec"].erase("provider");  // the operator's --mesh-provider may be nginx
  CHECK(parse_experiment(doc).ok());
}

TEST_CASE("Experiment providers: a match on SMI is refused, on NGINX only whole and by header") {
  const json match = json::parse(R"([{"headers": {"x-beta": {"exact": "1"}}}])");
  auto smi = baseline_and_one_candidate("smi:v1alpha2");
  smi["spec"]["strategy"] = {{"match", match}};
  CHECK(has_error(parse_experiment(smi).errors, "spec.strategy.match",
                  "provider smi:v1alpha2 cannot route by request headers or cookies"));

  auto nginx = baseline_and_one_candidate("nginx");
  nginx["spec"]["strategy"] = {{"match", match}};
  CHECK(has_error(parse_experiment(nginx).errors, "spec.strategy.match",
                  "provider nginx sends every matching request to the candidate and cannot split "
                  "them by percent"));
  nginx["spec"]["strategy"]["traffic"] = "fixed-split";
  nginx["spec"]["strategy"]["fixedSplit"] = {{"v1", 30}, {"v2", 70}};
  CHECK(has_error(parse_experiment(nginx).errors, "spec.strategy.match", "weights 0 and 100"));
  nginx["spec"]["strategy"]["fixedSplit"] = {{"v1", 0}, {"v2", 100}};
  auto whole = parse_experiment(nginx);
  CHECK_MESSAGE(whole.ok(), reasons_of(whole.errors));
  nginx["spec"]["strategy"]["match"][0]["uri"] = {{"prefix", "/beta"}};
  CHECK(has_error(parse_experiment(nginx).errors, "spec.strategy.match[0].uri",
                  "cannot be routed by provider nginx (headers and a cookie only)"));
}
