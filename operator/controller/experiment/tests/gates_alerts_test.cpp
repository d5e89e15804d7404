// Gates and alerts of an Experiment on the in-memory cluster under the simulated clock:
// confirm-rollout holds the first split until it passes, confirm-promotion holds the winner's
// promotion (the winner keeps the traffic), and spec.alerts hear the start, a cut-off and the end.
#include <doctest/doctest.h>

#include <set>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"

using namespace veer::controller::experiment;
using namespace veer::controller::experiment::testing;
using nlohmann::json;
namespace webhooks = veer::webhooks;

namespace {

// A gate per URL, closed until the test opens it; records every call.
class Gates final : public webhooks::HookPoster {
 public:
  webhooks::HookReply post(const webhooks::HookCall& call) override {
    calls.push_back(call);
    if (open.count(call.url)) return {200, "approved", ""};
    return {403, "not approved yet", ""};
  }
  std::set<std::string> open;
  std::vector<webhooks::HookCall> calls;
};

class Alerts final : public ExperimentAlertSink {
 public:
  void send(const veer::model::Experiment& e, const veer::controller::Alert& alert) override {
    sent.push_back(
        {alert.severity, alert.message, std::string(veer::model::to_string(e.status.phase))});
  }
  struct Sent {
    veer::model::AlertSeverity severity;
    std::string message;
    std::string phase;  // of the status sent with it
  };
  std::vector<Sent> sent;
};

json gated(bool promote) {
  auto doc = experiment_json();
  doc["spec"]["promoteWinner"] = promote;
  doc["spec"]["webhooks"] = json::array(
      {{{"name", "start-approval"}, {"type", "confirm-rollout"}, {"url", "http://gate/start"}}});
  if (promote)
    doc["spec"]["webhooks"].push_back({{"name", "promotion-approval"},
                                       {"type", "confirm-promotion"},
                                       {"url", "http://gate/promote"}});
  return doc;
}

}  // namespace

TEST_CASE("confirm-rollout holds the experiment at the baseline until the gate passes") {
  World w(gated(false), kExpressBest);
  Gates gates;
  w.outbound.hooks = &gates;
  for (int i = 0; i < 5; ++i) w.pass();
  auto status = w.experiment()["status"];
  CHECK(status["phase"] == "Initializing");
  CHECK(status["message"].get<std::string>().rfind(
            "waiting for confirm-rollout to start: start-approval (http://gate/start) returned 403",
            0) == 0);
  CHECK(w.routed() == std::map<std::string, int>{{"checkout-current", 100},
                                                 {"checkout-one-page", 0},
                                                 {"checkout-express", 0}});
  CHECK(w.metrics.calls == 0);
  REQUIRE_FALSE(gates.calls.empty());
  const auto body = json::parse(gates.calls.back().body);
  CHECK(body["name"] == "checkout-redesign");
  CHECK(body["namespace"] == "shop");
  CHECK(body["phase"] == "Initializing");
  // Said once, not at every pass.
  int told = 0;
  for (const auto& e : w.events())
    told += e.value("message", "").find("waiting for confirm-rollout") != std::string::npos;
  CHECK(told == 1);

  gates.open.insert("http://gate/start");
  w.pass();
  CHECK(w.phase() == "Running");
  CHECK(w.routed().at("checkout-express") > 0);
  // Asked before the start only.
  const auto asked = gates.calls.size();
  for (int i = 0; i < 6; ++i) w.pass();
  CHECK(gates.calls.size() == asked);
}

TEST_CASE("an Experiment with gates and no webhook client holds, saying why") {
  World w(gated(false), kExpressBest);
  for (int i = 0; i < 3; ++i) w.pass();
  CHECK(w.phase() == "Initializing");
  CHECK(w.experiment()["status"]["message"].get<std::string>().find("no webhook client") !=
        std::string::npos);
}

TEST_CASE("confirm-promotion holds the promotion: the winner keeps the traffic until it passes") {
  World w(gated(true), kExpressBest);
  Gates gates;
  gates.open.insert("http://gate/start");
  w.outbound.hooks = &gates;
  w.run();
  REQUIRE(w.phase() == "Completed");
  REQUIRE(w.experiment()["status"]["winner"] == "express");
  for (int i = 0; i < 4; ++i) w.pass();
  CHECK(w.image_of("checkout") == "checkout:current");  // not promoted
  CHECK(w.routed().at("checkout-express") == 100);
  CHECK(w.experiment()["status"]["message"].get<std::string>().rfind(
            "winner express: its promotion waits for confirm-promotion: promotion-approval", 0) ==
        0);
  const auto body = json::parse(gates.calls.back().body);
  CHECK(body["phase"] == "Completed");

  gates.open.insert("http://gate/promote");
  for (int i = 0; i < 6; ++i) w.pass();
  CHECK(w.image_of("checkout") == "checkout:express");
  CHECK(w.routed().at("checkout-current") == 100);
  // Once the baseline runs the winner the gate is not asked again.
  const auto asked = gates.calls.size();
  for (int i = 0; i < 3; ++i) w.pass();
  CHECK(gates.calls.size() == asked);
}

TEST_CASE("alerts: the start, a cut-off and the end go to spec.alerts with their severity") {
  auto rates = kExpressBest;
  rates["one-page"] = {0.95, 0.09};  // fails the success-rate guardrail: cut off
  World w(experiment_json(), rates);
  Alerts alerts;
  w.outbound.alerts = &alerts;
  w.run();
  REQUIRE(w.phase() == "Completed");
  using veer::model::AlertSeverity;
  REQUIRE(alerts.sent.size() >= 3);
  CHECK(alerts.sent.front().message ==
        "Experiment started: abn with 2 candidate(s), progressive traffic");
  CHECK(alerts.sent.front().severity == AlertSeverity::Info);
  // Sent with the status that pass wrote: every version was ready, so it went on to Running.
  CHECK(alerts.sent.front().phase == "Running");
  bool cut = false;
  for (const auto& a : alerts.sent)
    cut |= a.severity == AlertSeverity::Warn &&
           a.message.find(": cut off one-page") != std::string::npos;
  CHECK(cut);
  const auto& last = alerts.sent.back();
  CHECK(last.message.find("Experiment completed at look") == 0);
  CHECK(last.message.find("winner express") != std::string::npos);
  CHECK(last.phase == "Completed");
  // Looks are Events, not alerts.
  for (const auto& a : alerts.sent) CHECK(a.message.find(": routing ") == std::string::npos);
}

TEST_CASE("alerts: an experiment without a winner alerts at error severity") {
  auto doc = experiment_json();
  doc["spec"]["duration"]["iterations"] = 3;
  World w(doc,
          {{"current", {0.999, 0.05}}, {"one-page", {0.999, 0.05}}, {"express", {0.999, 0.05}}});
  Alerts alerts;
  w.outbound.alerts = &alerts;
  w.run();
  REQUIRE(w.phase() == "Failed");
  CHECK(alerts.sent.back().severity == veer::model::AlertSeverity::Error);
  CHECK(alerts.sent.back().message.find("Experiment ended without a winner at look 3 of 3") == 0);
}
