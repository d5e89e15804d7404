// The performance pattern on the in-memory cluster under the simulated clock: load reaches every
// version (scripted here; `veer experiment run` aimed at the version Services in a cluster), no
// traffic is shifted, and each version is judged on its own against absolute limits.
#include <doctest/doctest.h>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;

namespace {

// one-page answers 12% of requests slower than 300 ms: p95 above the limit.
const std::map<std::string, TrueRates> kOnePageSlow{{"current", {0.999, 0.05, 0.01}},
                                                    {"one-page", {0.999, 0.05, 0.12}},
                                                    {"express", {0.999, 0.05, 0.02}}};

std::map<std::string, std::string> objectives_of(World& w) {
  std::map<std::string, std::string> out;
  const auto versions = w.experiment()["status"]["versions"];  // a copy: outlives the loop
  for (const auto& v : versions) out[v["name"].get<std::string>()] = v.value("objectives", "");
  return out;
}

bool has_event(World& w, const std::string& text) {
  for (const auto& e : w.events())
    if (e.value("message", "").find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("performance: the status says which version meets its objectives, nothing is routed") {
  World w(performance_json(), kOnePageSlow);
  w.run();
  CAPTURE(w.last_error);
  const auto status = w.experiment()["status"];
  CAPTURE(status.dump());
  CHECK(w.phase() == "Failed");  // one version misses an objective
  CHECK(objectives_of(w) == std::map<std::string, std::string>{
                                {"current", "met"}, {"one-page", "missed"}, {"express", "met"}});
  CHECK(status["versions"][1]["failedObjectives"] == json::array({"slow-requests"}));
  CHECK(status.value("winner", "") == "");
  CHECK(status["evidence"]["decision"] == "missed");
  const auto message = status["message"].get<std::string>();
  CHECK_MESSAGE(message.find("meet: current, express") != std::string::npos, message);
  CHECK_MESSAGE(message.find("miss: one-page (slow-requests") != std::string::npos, message);
  // Decided as soon as every version was proven one way or the other.
  CHECK(status["completedIterations"].get<int>() < 10);
  // No traffic shift: no router object, every weight 0; each version's Service for the load.
  CHECK(w.get("networking.istio.io/v1beta1", "VirtualService", "checkout").is_null());
  CHECK(w.get("v1", "Service", "checkout").is_null());
  for (const auto& v : status["versions"]) {
    CHECK(v["weight"] == 0);
    CHECK(v["requestCount"].get<long>() > 0);
    const auto service = w.get("v1", "Service", "checkout-" + v["name"].get<std::string>());
    CHECK(service["spec"]["ports"][0]["port"] == 8080);
  }
  CHECK(has_event(w, "Experiment started: performance with 2 candidate(s), load only"));
  CHECK(has_event(w, "Experiment failed at look"));
}

TEST_CASE("performance: every version meeting every objective completes the experiment") {
  auto rates = kOnePageSlow;
  rates["one-page"].slow = 0.01;
  World w(performance_json(), rates);
  w.run();
  const auto status = w.experiment()["status"];
  CAPTURE(status.dump());
  CHECK(w.phase() == "Completed");
  CHECK(status["evidence"]["decision"] == "met");
  CHECK(status["message"].get<std::string>().rfind("objectives met", 0) == 0);
  CHECK(objectives_of(w) == std::map<std::string, std::string>{
                                {"current", "met"}, {"one-page", "met"}, {"express", "met"}});
  CHECK(has_event(w, "Experiment completed at look"));
  // A finished performance experiment stays without routes on later passes.
  for (int i = 0; i < 3; ++i) w.pass();
  CHECK(w.get("networking.istio.io/v1beta1", "VirtualService", "checkout").is_null());
}

TEST_CASE("performance: a version not proven either way by the last look misses") {
  auto doc = performance_json();
  doc["spec"]["duration"]["iterations"] = 3;
  auto rates = kOnePageSlow;
  rates["one-page"].slow = 0.05;  // at the limit: never proven either way with this load
  World w(doc, rates, 300);
  w.run();
  const auto status = w.experiment()["status"];
  CAPTURE(status.dump());
  CHECK(w.phase() == "Failed");
  CHECK(status["completedIterations"] == 3);
  CHECK(objectives_of(w).at("one-page") == "unknown");
  const auto message = status["message"].get<std::string>();
  CHECK_MESSAGE(message.find("not yet proven: ") != std::string::npos, message);
  CHECK_MESSAGE(message.find("(after 3 looks)") != std::string::npos, message);
}

TEST_CASE("performance: rollbackOnFailure ends the experiment at the first missed objective") {
  auto doc = performance_json();
  doc["spec"]["criteria"]["objectives"][1]["rollbackOnFailure"] = true;
  World w(doc, kOnePageSlow);
  w.run();
  CHECK(w.phase() == "Aborted");
  CHECK(w.experiment()["status"]["message"].get<std::string>().find("one-page failed guardrail "
                                                                    "slow-requests") !=
        std::string::npos);
}
