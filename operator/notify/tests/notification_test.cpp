// The provider-independent parts: severities and routing, suggested commands, requests and
// redaction, global defaults from flags and environment.
#include <map>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "operator/notify/global_defaults.hpp"
#include "operator/notify/provider.hpp"
#include "operator/notify/routing.hpp"
#include "operator/notify/tests/support/samples.hpp"

namespace veer::notify {

TEST_CASE("severity filter: info hears everything, warn hears warn and error, error only error") {
  CHECK(passes(Severity::info, Severity::info));
  CHECK(passes(Severity::error, Severity::info));
  CHECK_FALSE(passes(Severity::info, Severity::warn));
  CHECK(passes(Severity::warn, Severity::warn));
  CHECK(passes(Severity::error, Severity::warn));
  CHECK_FALSE(passes(Severity::warn, Severity::error));
  CHECK(parse_severity("") == Severity::info);
  CHECK(parse_severity("warn") == Severity::warn);
  CHECK_FALSE(parse_severity("critical"));
}

TEST_CASE("routing: a canary's alerts filter by severity, the global default only without alerts") {
  Destination on_call, everyone, global;
  on_call.label = "on-call";
  everyone.label = "everyone";
  global.label = "global";
  const std::vector<AlertRoute> alerts{{on_call, Severity::error}, {everyone, Severity::info}};

  auto labels = [](const std::vector<Destination>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.label);
    return out;
  };
  Notification n = testing::succeeded_sample();
  CHECK(labels(route(n, alerts, {global})) == std::vector<std::string>{"everyone"});
  n.severity = Severity::error;
  CHECK(labels(route(n, alerts, {global})) == std::vector<std::string>{"on-call", "everyone"});
  CHECK(labels(route(n, {}, {global})) == std::vector<std::string>{"global"});
}

TEST_CASE("suggested commands fit the phase") {
  Notification n = testing::waiting_promotion_sample();
  auto commands = suggested_commands(n);
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].command == "veer promote podinfo -n test");
  CHECK(commands[1].command == "veer abort podinfo -n test");
  n.phase = "Progressing";
  REQUIRE(suggested_commands(n).size() == 1);
  CHECK(suggested_commands(n)[0].command == "veer abort podinfo -n test");
  n.phase = "Succeeded";
  CHECK(suggested_commands(n).empty());
}

TEST_CASE("Slack with a bot token posts to chat.postMessage with a Bearer header") {
  Destination bot;
  bot.type = ProviderType::slack;
  bot.token = "xoxb-123";
  bot.channel = "C0123";
  const auto request = build_request(testing::rollback_sample(), bot);
  CHECK(request.url == "https://slack.com/api/chat.postMessage");
  CHECK(request.headers.at(1) ==
        std::pair<std::string, std::string>{"Authorization", "Bearer xoxb-123"});
  CHECK(nlohmann::json::parse(request.body)["channel"] == "C0123");

  Destination hook;
  hook.type = ProviderType::slack;
  hook.address = "https://hooks.slack.com/services/T/B/X";
  const auto plain = build_request(testing::rollback_sample(), hook);
  CHECK(plain.url == hook.address);
  CHECK(plain.headers.size() == 1);
}

TEST_CASE("Slack text escapes markup characters from canary data") {
  Destination hook;
  hook.type = ProviderType::slack;
  const auto body = build_payload(testing::waiting_promotion_sample(), hook);
  const std::string text = body["attachments"][0]["blocks"][1]["text"]["text"];
  CHECK(text.find("&lt;approval&gt; is closed &amp; no one") != std::string::npos);
}

TEST_CASE("redact removes the address, its path and the token from error text") {
  Destination d;
  d.address = "https://hooks.slack.com/services/T0/B0/XYZ";
  d.token = "xoxb-secret";
  CHECK(redact("POST https://hooks.slack.com/services/T0/B0/XYZ: timeout", d) ==
        "POST <address>: timeout");
  CHECK(redact("bad path /services/T0/B0/XYZ?x=1 with xoxb-secret", d) ==
        "bad path /<redacted>?x=1 with <token>");
}

TEST_CASE("global defaults: flags win over the environment, each URL becomes a destination") {
  GlobalDefaults d;
  d.slack_url = "https://flag.example/slack";
  const std::map<std::string, std::string> env{{"SLACK_URL", "https://env.example/slack"},
                                               {"SLACK_CHANNEL", "#env"},
                                               {"MSTEAMS_URL", "https://teams.example/x"},
                                               {"CLUSTER_NAME", "prod"}};
  apply_environment(d, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  CHECK(d.slack_url == "https://flag.example/slack");
  CHECK(d.slack_channel == "#env");
  CHECK(d.cluster_name == "prod");
  const auto destinations = d.destinations();
  REQUIRE(destinations.size() == 2);
  CHECK(destinations[0].type == ProviderType::slack);
  CHECK(destinations[0].channel == "#env");
  CHECK(destinations[1].type == ProviderType::msteams);
  CHECK(destinations[1].label.find("teams.example") ==
        std::string::npos);  // labels never hold URLs
}

}  // namespace veer::notify
