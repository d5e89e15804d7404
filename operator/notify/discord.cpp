#include "operator/notify/discord.hpp"

#include "base/time_format.hpp"
#include "operator/notify/presentation.hpp"

namespace veer::notify {

nlohmann::json discord_payload(const Notification& n, const Destination& to) {
  using nlohmann::json;
  json fields = json::array();
  for (const auto& f : facts(n)) {
    fields.push_back({{"name", f.title}, {"value", f.value}, {"inline", f.title != "Revision"}});
  }
  if (!n.evidence.empty()) {
    fields.push_back({{"name", "Evidence"},
                      {"value", "```\n" + evidence_table(n.evidence) + "```"},
                      {"inline", false}});
  }
  for (const auto& c : suggested_commands(n)) {
    fields.push_back({{"name", c.label}, {"value", "`" + c.command + "`"}, {"inline", false}});
  }
  std::string description = "**" + n.message + "**";
  if (!n.reason.empty()) description += "\n" + n.reason;
  json embed = {{"title", n.canary_id()},
                {"description", description},
                {"color", tone_rgb(tone(n))},
                {"fields", fields}};
  if (!n.cluster.empty()) embed["footer"] = {{"text", "cluster " + n.cluster}};
  if (n.time) embed["timestamp"] = base::format_time(*n.time);
  return {{"username", to.username},
          {"content", summary_line(n)},
          {"embeds", json::array({embed})},
          {"allowed_mentions", {{"parse", json::array()}}}};
}

}  // namespace veer::notify
