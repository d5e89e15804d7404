// An Experiment on the two-version providers (issue 16): a baseline and one candidate through an
// SMI TrafficSplit or an NGINX canary Ingress, whose weights follow the status at every pass,
// to a winner; deleting it gives the user's TrafficSplit back and removes the canary Ingress.
#include <doctest/doctest.h>

#include <set>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/kube/cluster_decorator.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;

namespace {

json current_and_express(const std::string& provider) {
  auto doc = experiment_json(provider);
  auto& candidates = doc["spec"]["candidates"];
  candidates.erase(candidates.begin());  // one-page: SMI and NGINX route two versions
  REQUIRE(candidates.size() == 1);
  if (provider == "nginx") doc["spec"]["ingressRef"] = {{"name", "shop"}};
  return doc;
}

const json kUserIngress = json::parse(R"({
  "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
  "metadata": {"name": "shop", "namespace": "shop"},
  "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
    {"path": "/", "pathType": "Prefix",
     "backend": {"service": {"name": "checkout", "port": {"number": 8080}}}}]}}]}})");

std::map<std::string, int> status_weights(World& w) {
  std::map<std::string, int> out;
  const auto versions = w.experiment()["status"]["versions"];  // a copy: outlives the loop
  for (const auto& v : versions) out[v["name"].get<std::string>()] = v["weight"];
  return out;
}

const veer::kube::ObjectRef kRedesign{experiment_type(), "shop", "checkout-redesign"};

const json kUserSplit = json::parse(R"({
  "apiVersion": "split.smi-spec.io/v1alpha2", "kind": "TrafficSplit",
  "metadata": {"name": "checkout", "namespace": "shop"},
  "spec": {"service": "checkout", "backends": [{"service": "checkout", "weight": 100}]}})");

// Fails every read of a TrafficSplit while `failing` is set, as an API server refusing them.
class FailingSplitReads final : public veer::kube::ClusterDecorator {
 public:
  using ClusterDecorator::ClusterDecorator;
  bool failing = true;

 protected:
  std::optional<veer::kube::ApiError> before(const veer::kube::CallInfo& call) override {
    if (!failing || call.verb != veer::kube::CallInfo::Verb::Get || call.kind != "TrafficSplit")
      return std::nullopt;
    return veer::kube::ApiError{veer::kube::ErrorType::Forbidden, 403, "Forbidden",
                                "trafficsplits is forbidden"};
  }
};

}  // namespace

TEST_CASE("two versions on SMI: the TrafficSplit follows the status, deletion restores it") {
  World w(current_and_express("smi:v1alpha2"), kExpressBest);
  const json user_split = kUserSplit;
  REQUIRE(w.cluster.create(user_split));
  std::set<int> candidate_weights;  // the split moves: not one weight compared again
  for (int i = 0; i < 8; ++i) {
    w.pass();
    if (w.phase() != "Running") continue;
    const auto split = w.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "checkout");
    std::map<std::string, int> routed;
    for (const auto& b : split["spec"]["backends"])
      routed[b["service"].get<std::string>().substr(std::string("checkout-").size())] = b["weight"];
    CHECK(routed == status_weights(w));
    candidate_weights.insert(status_weights(w).at("express"));
  }
  CHECK(candidate_weights.size() >= 2);
  REQUIRE(w.cluster.remove(kRedesign));
  auto result = w.pass();
  CAPTURE(w.last_error);
  CHECK_FALSE(result.failed);
  CHECK(w.cluster.get(kRedesign).is(veer::kube::ErrorType::NotFound));
  CHECK(w.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "checkout")["spec"] ==
        user_split["spec"]);
}

TEST_CASE("two versions on NGINX: the canary Ingress carries the candidate's weight to a winner") {
  World w(current_and_express("nginx"), kExpressBest);
  REQUIRE(w.cluster.create(kUserIngress));
  std::set<int> candidate_weights;  // the split moves: not one weight compared again
  for (int i = 0; i < 8; ++i) {
    w.pass();
    if (w.phase() != "Running") continue;
    const auto copy = w.get("networking.k8s.io/v1", "Ingress", "shop-canary");
    REQUIRE(copy.contains("metadata"));
    CHECK(copy["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] ==
          std::to_string(status_weights(w).at("express")));
    CHECK(copy["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] ==
          "checkout-express");
    candidate_weights.insert(status_weights(w).at("express"));
  }
  CHECK(candidate_weights.size() >= 2);
  w.run();
  CHECK(w.phase() == "Completed");
  CHECK(w.experiment()["status"]["winner"] == "express");
  const auto user = w.get("networking.k8s.io/v1", "Ingress", "shop");
  CHECK(user["spec"] == kUserIngress["spec"]);

  REQUIRE(w.cluster.remove(kRedesign));
  w.pass();
  CHECK(w.cluster.get(kRedesign).is(veer::kube::ErrorType::NotFound));
  CHECK(w.get("networking.k8s.io/v1", "Ingress", "shop-canary").is_null());
  CHECK(w.get("networking.k8s.io/v1", "Ingress", "shop")["spec"] == kUserIngress["spec"]);
}

TEST_CASE("two versions on NGINX: a missing spec.ingressRef Ingress is said, nothing routed") {
  World w(current_and_express("nginx"), kExpressBest);
  for (int i = 0; i < 4; ++i) w.pass();
  CHECK(w.last_error.find("Ingress shop.shop (spec.ingressRef) not found") != std::string::npos);
  CHECK(w.get("networking.k8s.io/v1", "Ingress", "shop-canary").is_null());
}

TEST_CASE("two versions on SMI: a TrafficSplit that cannot be read is never taken for absent") {
  World w(current_and_express("smi:v1alpha2"), kExpressBest);
  REQUIRE(w.cluster.create(kUserSplit));
  for (int i = 0; i < 10 && w.phase() != "Running"; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  FailingSplitReads refusing(w.cluster);
  w.api = &refusing;
  // Routing: the error, no write over the user's object.
  const auto routed = w.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "checkout");
  w.clock.advance(std::chrono::minutes(2));
  auto result = w.pass();
  CHECK(result.failed);
  CHECK(w.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "checkout") == routed);
  // Deleting: the finalizer stays until the TrafficSplit can be read and restored.
  REQUIRE(w.cluster.remove(kRedesign));
  result = w.pass();
  CHECK(result.failed);
  CHECK_MESSAGE(result.error.find("cannot read TrafficSplit shop/checkout") != std::string::npos,
                result.error);
  REQUIRE(w.cluster.get(kRedesign));
  refusing.failing = false;
  CHECK_FALSE(w.pass().failed);
  CHECK(w.cluster.get(kRedesign).is(veer::kube::ErrorType::NotFound));
  CHECK(w.get("split.smi-spec.io/v1alpha2", "TrafficSplit", "checkout")["spec"] ==
        kUserSplit["spec"]);
}
