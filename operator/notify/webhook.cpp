#include "operator/notify/webhook.hpp"

#include "base/time_format.hpp"

namespace veer::notify {

nlohmann::json webhook_payload(const Notification& n, const Destination& to) {
  using nlohmann::json;
  json evidence = json::array();
  for (const auto& e : n.evidence) {
    evidence.push_back({{"metric", e.metric},
                        {"canary", e.canary},
                        {"primary", e.primary},
                        {"verdict", e.verdict},
                        {"margin", e.margin}});
  }
  json commands = json::array();
  for (const auto& c : suggested_commands(n)) {
    commands.push_back({{"label", c.label}, {"command", c.command}});
  }
  return {{"schema", kWebhookSchema},
          {"canary", {{"name", n.name}, {"namespace", n.namespace_}}},
          {"cluster", n.cluster},
          {"phase", n.phase},
          {"weight", n.weight},
          {"revision", n.revision},
          {"severity", to_string(n.severity)},
          {"message", n.message},
          {"reason", n.reason},
          {"evidence", evidence},
          {"commands", commands},
          {"channel", to.channel},
          {"timestamp", n.time ? json(base::format_time(*n.time)) : json(nullptr)},
          {"summary", summary_line(n)}};
}

}  // namespace veer::notify
