#include "operator/notify/alert_provider_destination.hpp"

#include <doctest/doctest.h>

#include "operator/notify/metrics_text.hpp"

namespace veer::notify {
namespace {

model::AlertProvider provider(std::string type, std::string address, std::string secret = {}) {
  model::AlertProvider p;
  p.metadata.name = "on-call";
  p.metadata.namespace_ = "test";
  p.spec.type = std::move(type);
  p.spec.address = std::move(address);
  p.spec.secret_ref = std::move(secret);
  p.spec.channel = "#deploys";
  return p;
}

const std::string& error_of(const std::variant<Destination, std::string>& r) {
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("an AlertProvider becomes a destination, its Secret overrides address and adds a token") {
  const auto plain = destination_for(provider("msteams", "https://teams.example/x"), nullptr);
  REQUIRE(std::holds_alternative<Destination>(plain));
  CHECK(std::get<Destination>(plain).type == ProviderType::msteams);
  CHECK(std::get<Destination>(plain).label == "AlertProvider test/on-call");

  // base64("https://hooks.slack.com/services/X") and base64("xoxb-1")
  const nlohmann::json secret = {
      {"data",
       {{"address", "aHR0cHM6Ly9ob29rcy5zbGFjay5jb20vc2VydmljZXMvWA=="}, {"token", "eG94Yi0x"}}}};
  const auto with_secret =
      destination_for(provider("slack", "https://ignored.example", "slack-url"), &secret);
  REQUIRE(std::holds_alternative<Destination>(with_secret));
  CHECK(std::get<Destination>(with_secret).address == "https://hooks.slack.com/services/X");
  CHECK(std::get<Destination>(with_secret).token == "xoxb-1");
  CHECK(std::get<Destination>(with_secret).channel == "#deploys");
}

TEST_CASE("AlertProvider errors name the object and field, never the secret values") {
  CHECK(error_of(destination_for(provider("pagerduty", "https://x"), nullptr)) ==
        "AlertProvider test/on-call: spec.type \"pagerduty\" is not one of "
        "slack|msteams|discord|rocket|gchat|webhook");
  CHECK(error_of(destination_for(provider("slack", "", "missing"), nullptr)) ==
        "AlertProvider test/on-call: spec.secretRef: Secret missing not found");
  CHECK(error_of(destination_for(provider("discord", ""), nullptr)).find("no address") !=
        std::string::npos);
  const nlohmann::json bad = {{"data", {{"address", "not base64!"}}}};
  CHECK(error_of(destination_for(provider("slack", "", "s"), &bad)) ==
        "AlertProvider test/on-call: Secret s key \"address\" is not valid base64");
}

TEST_CASE("a canary's alerts resolve to routes with their severities, broken ones are explained") {
  const auto slack = provider("slack", "https://hooks.example/a");
  std::vector<model::CanaryAlert> alerts(2);
  alerts[0].name = "on-call";
  alerts[0].severity = model::AlertSeverity::Error;
  alerts[0].provider_ref.name = "on-call";
  alerts[1].name = "missing";
  alerts[1].provider_ref = {"nope", "other"};
  const auto resolved = resolve_alerts(
      alerts, "test",
      [&](const std::string& ns, const std::string& name) -> const model::AlertProvider* {
        return ns == "test" && name == "on-call" ? &slack : nullptr;
      },
      [](const std::string&, const std::string&) -> const nlohmann::json* { return nullptr; });
  REQUIRE(resolved.routes.size() == 1);
  CHECK(resolved.routes[0].threshold == Severity::error);
  REQUIRE(resolved.errors.size() == 1);
  CHECK(resolved.errors[0] ==
        "spec.analysis.alerts[1].providerRef: AlertProvider other/nope not found");
}

TEST_CASE("delivery counters render as Prometheus text") {
  DeliveryCounters slack;
  slack.sent = 3;
  slack.failed = 1;
  slack.retries = 2;
  const std::string text = prometheus_text({{ProviderType::slack, slack}}, 4);
  CHECK(text.find("veer_notifications_total{provider=\"slack\",outcome=\"sent\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("veer_notifications_total{provider=\"slack\",outcome=\"failed\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("veer_notification_retries_total{provider=\"slack\"} 2\n") != std::string::npos);
  CHECK(text.find("veer_notifications_pending 4\n") != std::string::npos);
}

}  // namespace veer::notify
