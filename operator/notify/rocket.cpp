#include "operator/notify/rocket.hpp"

#include "operator/notify/presentation.hpp"

namespace veer::notify {

nlohmann::json rocket_payload(const Notification& n, const Destination& to) {
  using nlohmann::json;
  json fields = json::array();
  for (const auto& f : facts(n)) {
    fields.push_back({{"short", f.title != "Revision"}, {"title", f.title}, {"value", f.value}});
  }
  std::string text = n.reason;
  if (!n.evidence.empty()) {
    if (!text.empty()) text += "\n";
    text += "```\n" + evidence_table(n.evidence) + "```";
  }
  for (const auto& c : suggested_commands(n)) text += "\n" + c.label + ": `" + c.command + "`";
  json attachment = {{"color", tone_hex(tone(n))},
                     {"title", n.canary_id() + ": " + n.message},
                     {"text", text},
                     {"fields", fields}};
  json payload = {{"alias", to.username},
                  {"emoji", ":rocket:"},
                  {"text", summary_line(n)},
                  {"attachments", json::array({attachment})}};
  if (!to.channel.empty()) payload["channel"] = to.channel;
  return payload;
}

}  // namespace veer::notify
