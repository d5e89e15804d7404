// Alerts from the controller to notifiers: a Canary's AlertProviders (and their Secrets) read
// from the cluster, the global default only for Canaries without alerts, and an AlertProvider
// that cannot be resolved reported as a Warning Event on the Canary.
#include <doctest/doctest.h>

#include <mutex>

#include "operator/runtime/alert_sink.hpp"
#include "operator/runtime/tests/support/world.hpp"

using namespace veer;
using nlohmann::json;

namespace {

class RecordingNotifier final : public notify::Notifier {
 public:
  notify::EnqueueResult send(const notify::Notification& n,
                             const notify::Destination& to) override {
    std::lock_guard guard(mutex_);
    sent.push_back({n, to});
    return notify::EnqueueResult::queued;
  }
  std::vector<std::pair<notify::Notification, notify::Destination>> sent;

 private:
  std::mutex mutex_;
};

model::Canary canary_with_alerts(const json& alerts) {
  json c = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Canary"},
      {"metadata", {{"name", "podinfo"}, {"namespace", "shop"}, {"uid", "u-1"}}},
      {"spec",
       {{"provider", "istio"},
        {"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo"}}},
        {"service", {{"port", 9898}}},
        {"analysis",
         {{"interval", "1m"},
          {"threshold", 2},
          {"stepWeight", 10},
          {"alerts", alerts},
          {"metrics", json::array({{{"name", "request-success-rate"},
                                    {"thresholdRange", {{"min", 99}}}}})}}}}}};
  auto parsed = model::parse_canary(c);
  for (const auto& e : parsed.errors) MESSAGE(model::to_string(e));
  REQUIRE(parsed.ok());
  parsed.value.status.phase = model::CanaryPhase::Progressing;
  parsed.value.status.canary_weight = 20;
  return parsed.value;
}

std::vector<json> events_in(runtime::testing::World& w, const std::string& ns) {
  auto list = w.cluster.list(kube::type_of("v1", "Event"), ns);
  REQUIRE(list);
  return list->items;
}

}  // namespace

TEST_CASE("alerts go to the Canary's AlertProviders, with the address from their Secret") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create({{"apiVersion", "v1"},
                            {"kind", "Secret"},
                            {"metadata", {{"name", "slack-hook"}, {"namespace", "shop"}}},
                            {"stringData", {{"address", "https://hooks.slack.test/T/B/x"}}}}));
  REQUIRE(w.cluster.create(
      {{"apiVersion", "veer.dev/v1beta1"},
       {"kind", "AlertProvider"},
       {"metadata", {{"name", "on-call"}, {"namespace", "shop"}}},
       {"spec",
        {{"type", "slack"}, {"channel", "deploys"}, {"secretRef", {{"name", "slack-hook"}}}}}}));
  RecordingNotifier notifier;
  notify::GlobalDefaults defaults;
  defaults.slack_url = "https://hooks.slack.test/global";
  runtime::NotifyAlertSink sink(w.cluster, w.clock, notifier, defaults);
  auto canary = canary_with_alerts(json::array(
      {{{"name", "team"}, {"severity", "warn"}, {"providerRef", {{"name", "on-call"}}}}}));

  sink.send(canary, {model::AlertSeverity::Info, "New revision detected"});
  CHECK(notifier.sent.empty());  // below the alert's severity
  sink.send(canary, {model::AlertSeverity::Error, "Canary failed"});
  REQUIRE(notifier.sent.size() == 1);
  const auto& [n, to] = notifier.sent[0];
  CHECK(to.type == notify::ProviderType::slack);
  CHECK(to.address == "https://hooks.slack.test/T/B/x");
  CHECK(to.channel == "deploys");
  CHECK(n.name == "podinfo");
  CHECK(n.namespace_ == "shop");
  CHECK(n.phase == "Progressing");
  CHECK(n.weight == 20);
  CHECK(n.message == "Canary failed");
  CHECK(events_in(w, "shop").empty());
}

TEST_CASE("a Canary without alerts uses the global Slack default") {
  runtime::testing::World w;
  RecordingNotifier notifier;
  notify::GlobalDefaults defaults;
  defaults.slack_url = "https://hooks.slack.test/global";
  defaults.slack_channel = "rollouts";
  runtime::NotifyAlertSink sink(w.cluster, w.clock, notifier, defaults);
  sink.send(canary_with_alerts(json::array()), {model::AlertSeverity::Info, "Initialization done"});
  REQUIRE(notifier.sent.size() == 1);
  CHECK(notifier.sent[0].second.address == "https://hooks.slack.test/global");
  CHECK(notifier.sent[0].second.channel == "rollouts");
}

TEST_CASE("an AlertProvider that cannot be resolved is a Warning Event, once, never a crash") {
  runtime::testing::World w;
  w.add_namespace("shop");
  RecordingNotifier notifier;
  notify::GlobalDefaults defaults;
  defaults.slack_url = "https://hooks.slack.test/global";
  runtime::NotifyAlertSink sink(w.cluster, w.clock, notifier, defaults);
  auto canary = canary_with_alerts(
      json::array({{{"name", "team"}, {"severity", "info"}, {"providerRef", {{"name", "gone"}}}}}));
  sink.send(canary, {model::AlertSeverity::Error, "Canary failed"});
  sink.send(canary, {model::AlertSeverity::Error, "Canary failed again"});
  CHECK(notifier.sent.empty());  // not silently rerouted to the global default
  auto events = events_in(w, "shop");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["type"] == "Warning");
  CHECK(events[0]["involvedObject"]["name"] == "podinfo");
  CHECK(events[0]["involvedObject"]["kind"] == "Canary");
  CHECK(events[0]["message"].get<std::string>().find("AlertProvider shop/gone") !=
        std::string::npos);
}

TEST_CASE("an Experiment's alerts go to its AlertProviders, unresolvable ones as Events on it") {
  runtime::testing::World w;
  w.add_namespace("shop");
  REQUIRE(w.cluster.create({{"apiVersion", "veer.dev/v1beta1"},
                            {"kind", "AlertProvider"},
                            {"metadata", {{"name", "on-call"}, {"namespace", "shop"}}},
                            {"spec",
                             {{"type", "slack"},
                              {"channel", "experiments"},
                              {"address", "https://hooks.slack.test/T/B/e"}}}}));
  auto version = [](const std::string& name) {
    return json{{"name", name}, {"targetRef", {{"kind", "Deployment"}, {"name", name}}}};
  };
  json doc = {
      {"apiVersion", "veer.dev/v1beta1"},
      {"kind", "Experiment"},
      {"metadata", {{"name", "redesign"}, {"namespace", "shop"}, {"uid", "u-2"}}},
      {"spec",
       {{"provider", "istio"},
        {"service", {{"port", 8080}}},
        {"baseline", version("current")},
        {"candidates", {version("next")}},
        {"metrics", {{{"name", "conversion"}, {"query", "conversions"}}}},
        {"criteria", {{"rewards", {{{"metric", "conversion"}, {"preferred", "high"}}}}}},
        {"alerts",
         {{{"name", "team"}, {"severity", "info"}, {"providerRef", {{"name", "on-call"}}}},
          {{"name", "gone"}, {"severity", "info"}, {"providerRef", {{"name", "gone"}}}}}}}}};
  auto parsed = model::parse_experiment(doc);
  REQUIRE(parsed.ok());
  auto experiment = parsed.value;
  experiment.status.phase = model::ExperimentPhase::Completed;
  experiment.status.winner = "next";
  experiment.status.versions.resize(2);
  experiment.status.versions[0].name = "current";
  experiment.status.versions[1].name = "next";
  experiment.status.versions[1].weight = 100;
  RecordingNotifier notifier;
  notify::GlobalDefaults defaults;
  defaults.slack_url = "https://hooks.slack.test/global";
  runtime::NotifyAlertSink sink(w.cluster, w.clock, notifier, defaults);
  sink.send(experiment, {model::AlertSeverity::Info, "Experiment completed at look 4 of 10"});
  REQUIRE(notifier.sent.size() == 1);
  const auto& [n, to] = notifier.sent[0];
  CHECK(to.address == "https://hooks.slack.test/T/B/e");
  CHECK(n.name == "redesign");
  CHECK(n.phase == "Experiment Completed");
  CHECK(n.weight == 100);
  CHECK(n.revision == "next");
  CHECK(n.message == "Experiment completed at look 4 of 10");
  CHECK(notify::suggested_commands(n).empty());  // no Canary command for an Experiment
  auto events = events_in(w, "shop");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["involvedObject"]["kind"] == "Experiment");
  CHECK(events[0]["involvedObject"]["name"] == "redesign");
  CHECK(events[0]["message"].get<std::string>().find("AlertProvider shop/gone") !=
        std::string::npos);
}
