// Every provider's payload against a golden file in tests/golden/. To regenerate after an
// intended change: VEER_UPDATE_GOLDEN=1 ./operator_notify_tests -tc='*golden*', then review the
// diff.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "operator/notify/msteams.hpp"
#include "operator/notify/provider.hpp"
#include "operator/notify/tests/support/samples.hpp"

namespace veer::notify {
namespace {

std::string golden_path(const std::string& name) {
  return std::string(VEER_SOURCE_DIR) + "/operator/notify/tests/golden/" + name + ".json";
}

void check_golden(const std::string& name, const nlohmann::json& payload) {
  const std::string actual = payload.dump(2) + "\n";
  const std::string path = golden_path(name);
  if (const char* update = std::getenv("VEER_UPDATE_GOLDEN");
      update && std::string(update) == "1") {
    std::ofstream(path) << actual;
  }
  std::ifstream file(path);
  REQUIRE_MESSAGE(file.good(), "missing golden file " << path);
  std::stringstream expected;
  expected << file.rdbuf();
  CHECK_MESSAGE(actual == expected.str(), "payload differs from " << path);
}

Destination to(ProviderType type, std::string address) {
  Destination d;
  d.type = type;
  d.address = std::move(address);
  d.channel = "#deploys";
  d.username = "veer";
  return d;
}

}  // namespace

TEST_CASE("golden: Slack incoming webhook, rollback, waiting for promotion and success") {
  const auto slack = to(ProviderType::slack, "https://hooks.slack.com/services/T0/B0/secret");
  check_golden("slack_rollback", build_payload(testing::rollback_sample(), slack));
  check_golden("slack_waiting_promotion",
               build_payload(testing::waiting_promotion_sample(), slack));
  check_golden("slack_succeeded", build_payload(testing::succeeded_sample(), slack));
}

TEST_CASE("golden: Microsoft Teams Adaptive Card (Workflows) and MessageCard (connector)") {
  const auto workflows = to(ProviderType::msteams,
                            "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers");
  const auto connector =
      to(ProviderType::msteams, "https://contoso.webhook.office.com/webhookb2/x");
  check_golden("msteams_adaptive_rollback", build_payload(testing::rollback_sample(), workflows));
  check_golden("msteams_messagecard_rollback",
               build_payload(testing::rollback_sample(), connector));
}

TEST_CASE("golden: Discord, Rocket.Chat, Google Chat and the generic webhook") {
  const auto n = testing::rollback_sample();
  check_golden("discord_rollback",
               build_payload(n, to(ProviderType::discord, "https://discord.com/api/webhooks/1/x")));
  check_golden("rocket_rollback",
               build_payload(n, to(ProviderType::rocket, "https://chat.example.com/hooks/a/b")));
  check_golden("gchat_rollback", build_payload(n, to(ProviderType::gchat,
                                                     "https://chat.googleapis.com/v1/spaces/x")));
  check_golden("webhook_rollback",
               build_payload(n, to(ProviderType::webhook, "https://hooks.example.com/veer")));
  check_golden("webhook_succeeded", build_payload(testing::succeeded_sample(),
                                                  to(ProviderType::webhook, "https://h.example")));
}

TEST_CASE("Teams connector detection looks at the host, not the path") {
  CHECK(is_legacy_teams_connector("https://contoso.webhook.office.com/webhookb2/x"));
  CHECK(is_legacy_teams_connector("https://outlook.office.com/webhook/x"));
  CHECK_FALSE(is_legacy_teams_connector("https://evil.example/contoso.webhook.office.com/x"));
  CHECK_FALSE(is_legacy_teams_connector("https://prod.logic.azure.com:443/workflows/x"));
}

}  // namespace veer::notify
