// Whole experiments on the in-memory cluster under the simulated clock, with scripted traffic
// per version: a winner found and promoted, a guardrail-violating candidate cut off, no winner
// at the end rolled back, a metrics outage held through, and a kill at every API write ending
// where the undisturbed run ends.
#include <doctest/doctest.h>

#include <algorithm>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"
#include "operator/controller/tests/support/dying_cluster.hpp"
#include "operator/kube/cluster_decorator.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;

namespace {

json promoting() {
  auto doc = experiment_json();
  doc["spec"]["promoteWinner"] = true;
  return doc;
}

}  // namespace

TEST_CASE(
    "a winner is found, promoted into the baseline, and the baseline takes the traffic back") {
  World w(promoting(), kExpressBest);
  w.run();
  CAPTURE(w.last_error);
  auto status = w.experiment()["status"];
  CAPTURE(status.dump());
  REQUIRE(w.phase() == "Completed");
  CHECK(status["winner"] == "express");
  CHECK(status["evidence"]["decision"] == "winner");
  CHECK(status["completedIterations"].get<int>() <= 30);
  // The promotion: the baseline Deployment runs the winner's image under its own labels.
  for (int i = 0; i < 5; ++i) w.pass();
  CHECK(w.image_of("checkout") == "checkout:express");
  CHECK(w.get("apps/v1", "Deployment",
              "checkout")["spec"]["template"]["metadata"]["labels"]["app"] == "checkout");
  CHECK(w.routed() == std::map<std::string, int>{{"checkout-current", 100},
                                                 {"checkout-one-page", 0},
                                                 {"checkout-express", 0}});
  const auto versions = w.experiment()["status"]["versions"];
  CHECK(versions[0]["weight"] == 100);
  CHECK(versions[2]["requestCount"].get<long>() > 0);
  bool told = false;
  for (const auto& e : w.events())
    told |= e.value("message", "").find("winner express") != std::string::npos;
  CHECK(told);
}

TEST_CASE("during the run every version's weight and the VirtualService agree") {
  World w(experiment_json(), kExpressBest);
  for (int i = 0; i < 12; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  auto status = w.experiment()["status"];
  std::map<std::string, int> in_status;
  int sum = 0;
  for (const auto& v : status["versions"]) {
    in_status["checkout-" + v["name"].get<std::string>()] = v["weight"];
    sum += v["weight"].get<int>();
  }
  CHECK(sum == 100);
  CHECK(w.routed() == in_status);
  CHECK(status["evidence"].contains("state"));
  CHECK(status["versions"][0]["metrics"].contains("conversion-rate"));
}

TEST_CASE("a candidate that violates the guardrail is cut off to weight 0 and cannot win") {
  auto rates = kExpressBest;
  rates["one-page"] = {0.95, 0.09};  // converts best but fails 5% of requests (limit: 99% ok)
  World w(experiment_json(), rates);
  bool cut = false;
  for (int i = 0; i < 400 && !cut; ++i) {
    w.pass();
    for (const auto& v : w.experiment()["status"].value("versions", json::array()))
      cut |= v["name"] == "one-page" && v.value("cutOff", false);
  }
  REQUIRE(cut);
  auto status = w.experiment()["status"];
  CHECK(status["phase"] == "Running");
  CHECK(status["versions"][1]["weight"] == 0);
  CHECK(status["versions"][1]["failedObjectives"] == json::array({"request-success-rate"}));
  CHECK(w.routed().at("checkout-one-page") == 0);
  w.run();
  CHECK(w.experiment()["status"].value("winner", "") != "one-page");
}

TEST_CASE("a baseline guardrail with rollbackOnFailure aborts with all traffic on the baseline") {
  auto doc = experiment_json();
  doc["spec"]["criteria"]["objectives"][0]["rollbackOnFailure"] = true;
  auto rates = kExpressBest;
  rates["express"] = {0.95, 0.08};
  World w(doc, rates);
  w.run();
  CHECK(w.phase() == "Aborted");
  CHECK(w.routed() == std::map<std::string, int>{{"checkout-current", 100},
                                                 {"checkout-one-page", 0},
                                                 {"checkout-express", 0}});
  CHECK(w.image_of("checkout") == "checkout:current");
}

TEST_CASE("no winner by the last iteration: Failed, all traffic back on the baseline") {
  auto doc = promoting();
  doc["spec"]["duration"]["iterations"] = 4;
  World w(doc,
          {{"current", {0.999, 0.05}}, {"one-page", {0.999, 0.05}}, {"express", {0.999, 0.05}}});
  w.run();
  auto status = w.experiment()["status"];
  CHECK(w.phase() == "Failed");
  CHECK(status["completedIterations"] == 4);
  CHECK(status.value("winner", "") == "");
  CHECK(w.routed().at("checkout-current") == 100);
  CHECK(w.image_of("checkout") == "checkout:current");  // nothing promoted
}

TEST_CASE("a metrics outage holds the experiment without losing a look") {
  World w(experiment_json(), kExpressBest);
  for (int i = 0; i < 3; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  const auto before = w.experiment()["status"];
  w.metrics.outage = true;
  for (int i = 0; i < 3; ++i) w.pass();
  auto held = w.experiment()["status"];
  CHECK(held["completedIterations"] == before["completedIterations"]);
  CHECK(held["message"].get<std::string>().find("unreachable") != std::string::npos);
  CHECK(held["versions"] == before["versions"]);
  w.metrics.outage = false;
  w.pass();
  CHECK(w.experiment()["status"]["completedIterations"].get<int>() ==
        before["completedIterations"].get<int>() + 1);
}

TEST_CASE("an invalid Experiment or an unsupported provider is said once, with no writes") {
  World w(experiment_json("nginx"), kExpressBest);
  auto result = w.pass();
  CHECK(result.failed);
  auto status = w.experiment()["status"];
  CHECK(status["message"].get<std::string>().find("provider nginx") != std::string::npos);
  CHECK(status["message"].get<std::string>().find("two versions only") != std::string::npos);
  CHECK(w.get("networking.istio.io/v1beta1", "VirtualService", "checkout").is_null());
  const auto events = w.events().size();
  w.pass();
  CHECK(w.events().size() == events);
}

namespace {

// What a finished experiment leaves behind.
struct EndState {
  std::string phase;
  std::string winner;
  int iterations = 0;
  std::string baseline_image;
  std::map<std::string, int> routes;
  bool operator==(const EndState&) const = default;
  friend std::ostream& operator<<(std::ostream& out, const EndState& s) {
    out << s.phase << " winner=" << s.winner << " iterations=" << s.iterations
        << " baseline=" << s.baseline_image << " routes:";
    for (const auto& [k, v] : s.routes) out << " " << k << "=" << v;
    return out;
  }
};

EndState end_state(World& w) {
  auto status = w.experiment()["status"];
  return {status.value("phase", ""), status.value("winner", ""),
          status.value("completedIterations", 0), w.image_of("checkout"), w.routed()};
}

// The whole experiment, then passes to settle the promotion; `die_at` > 0: every reconcile dies
// at that write and a restarted operator runs it again. Returns the most writes of one pass.
int run_dying(World& w, int die_at) {
  veer::controller::testing::DyingCluster dying(w.cluster);
  w.api = &dying;
  int most = 0;
  auto reconcile = [&] {
    dying.start(die_at);
    w.pass();
    most = std::max(most, dying.writes());
    if (die_at > 0 && dying.writes() >= die_at) {
      dying.start(0);
      w.pass();
      most = std::max(most, dying.writes());
    }
  };
  for (int i = 0; i < 400; ++i) {
    const auto p = w.phase();
    if (p == "Completed" || p == "Failed" || p == "Aborted") break;
    reconcile();
  }
  for (int i = 0; i < 6; ++i) reconcile();
  dying.start(0);
  w.api = &w.cluster;
  return most;
}

}  // namespace

TEST_CASE("kill and restart at every API write reach the same end") {
  World clean(promoting(), kExpressBest);
  const int most = run_dying(clean, 0);
  const auto expected = end_state(clean);
  CAPTURE(expected);
  REQUIRE(expected.phase == "Completed");
  REQUIRE(expected.baseline_image == "checkout:express");
  REQUIRE(most >= 3);
  for (int k = 1; k <= most; ++k) {
    CAPTURE(k);
    World w(promoting(), kExpressBest);
    run_dying(w, k);
    CAPTURE(w.last_error);
    CHECK(end_state(w) == expected);
  }
}

TEST_CASE(
    "on Gateway API the HTTPRoute carries every version's weight, and the winner at the end") {
  auto doc = experiment_json("gatewayapi:v1");
  doc["spec"]["service"]["gatewayRefs"] = json::array({{{"name", "public"}, {"namespace", "gw"}}});
  World w(doc, kExpressBest);
  auto backends = [&] {
    std::map<std::string, int> out;
    auto route = w.get("gateway.networking.k8s.io/v1", "HTTPRoute", "checkout");
    if (!route.contains("spec")) return out;
    for (const auto& b : route["spec"]["rules"][0]["backendRefs"])
      out[b["name"].get<std::string>()] = b["weight"];
    return out;
  };
  for (int i = 0; i < 6; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  std::map<std::string, int> in_status;
  const auto status = w.experiment()["status"];
  for (const auto& v : status["versions"])
    in_status["checkout-" + v["name"].get<std::string>()] = v["weight"];
  CHECK(backends() == in_status);
  w.run();
  REQUIRE(w.phase() == "Completed");
  CHECK(w.experiment()["status"]["winner"] == "express");
  // Not promoted: the winner keeps all the traffic.
  CHECK(backends() == std::map<std::string, int>{{"checkout-current", 0},
                                                 {"checkout-one-page", 0},
                                                 {"checkout-express", 100}});
}

TEST_CASE("deleting a running Experiment puts the adopted VirtualService back as the user had it") {
  World w(experiment_json(), kExpressBest);
  // The user's own VirtualService, all to the apex Service: veer adopts it.
  const json user_spec = user_virtual_service()["spec"];
  REQUIRE(w.cluster.create(user_virtual_service()));
  for (int i = 0; i < 6; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  CHECK(w.experiment()["metadata"]["finalizers"] == json::array({kExperimentFinalizer}));
  REQUIRE(w.routed().count("checkout-express"));  // veer's split is on the user's object

  const veer::kube::ObjectRef ref{experiment_type(), "shop", "checkout-redesign"};
  REQUIRE(w.cluster.remove(ref));
  REQUIRE(w.cluster.get(ref));  // held by the finalizer
  auto result = w.pass();
  CAPTURE(w.last_error);
  CHECK_FALSE(result.failed);
  CHECK(w.cluster.get(ref).is(veer::kube::ErrorType::NotFound));
  const auto vs = w.get("networking.istio.io/v1beta1", "VirtualService", "checkout");
  CHECK(vs["spec"] == user_spec);
  CHECK_FALSE(vs["metadata"]
                  .value("annotations", json::object())
                  .contains("veer.dev/original-configuration"));
}

TEST_CASE("deleting an Experiment whose routes veer created releases it at once") {
  World w(experiment_json(), kExpressBest);
  for (int i = 0; i < 4; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  const veer::kube::ObjectRef ref{experiment_type(), "shop", "checkout-redesign"};
  REQUIRE(w.cluster.remove(ref));
  w.pass();
  CHECK(w.cluster.get(ref).is(veer::kube::ErrorType::NotFound));
}

namespace {

// Fails every status write of Experiments with `error` while `failing` is set.
class FailingStatusWrites final : public veer::kube::ClusterDecorator {
 public:
  FailingStatusWrites(veer::kube::Cluster& inner, veer::kube::ApiError error)
      : ClusterDecorator(inner), error_(std::move(error)) {}
  bool failing = true;

 protected:
  std::optional<veer::kube::ApiError> before(const veer::kube::CallInfo& call) override {
    if (!failing || call.verb != veer::kube::CallInfo::Verb::UpdateStatus ||
        call.kind != "Experiment")
      return std::nullopt;
    return error_;
  }

 private:
  veer::kube::ApiError error_;
};

}  // namespace

TEST_CASE("a status write the API server refuses is named as such, a conflict as a conflict") {
  namespace kube = veer::kube;
  World w(experiment_json(), kExpressBest);
  for (int i = 0; i < 3; ++i) w.pass();
  REQUIRE(w.phase() == "Running");
  const auto before = w.experiment()["status"];
  FailingStatusWrites forbidden(
      w.cluster, {kube::ErrorType::Forbidden, 403, "Forbidden",
                  "experiments.veer.dev \"checkout-redesign\" is forbidden: cannot update status"});
  w.api = &forbidden;
  w.clock.advance(std::chrono::minutes(1));
  auto result = w.pass();
  CHECK(result.failed);
  CHECK_MESSAGE(
      result.error.find("cannot write the status of shop/checkout-redesign") != std::string::npos,
      result.error);
  CHECK_MESSAGE(result.error.find("is forbidden") != std::string::npos, result.error);
  CHECK(result.error.find("changed meanwhile") == std::string::npos);
  CHECK(w.experiment()["status"] == before);  // nothing else was written after the failed intent

  FailingStatusWrites conflict(
      w.cluster, {kube::ErrorType::Conflict, 409, "Conflict", "the object has been modified"});
  w.api = &conflict;
  result = w.pass();
  CHECK_MESSAGE(
      result.error.find("status of shop/checkout-redesign changed meanwhile") != std::string::npos,
      result.error);

  w.api = &w.cluster;
  w.run();
  CHECK(w.phase() == "Completed");
}
