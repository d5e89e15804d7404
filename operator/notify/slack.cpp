#include "operator/notify/slack.hpp"

#include "operator/notify/presentation.hpp"

namespace veer::notify {
namespace {

using nlohmann::json;

json mrkdwn(const std::string& text) {
  return {{"type", "mrkdwn"}, {"text", text}};
}

std::string slack_color(Tone t) {
  switch (t) {
    case Tone::success:
      return "good";
    case Tone::warning:
      return "warning";
    case Tone::failure:
      return "danger";
    case Tone::neutral:
      break;
  }
  return tone_hex(t);
}

}  // namespace

json slack_payload(const Notification& n, const Destination& to) {
  json blocks = json::array();
  blocks.push_back({{"type", "header"},
                    {"text", {{"type", "plain_text"}, {"text", n.canary_id()}, {"emoji", true}}}});
  std::string text = "*" + escape_markup(n.message) + "*";
  if (!n.reason.empty()) text += "\n" + escape_markup(n.reason);
  blocks.push_back({{"type", "section"}, {"text", mrkdwn(text)}});

  json fields = json::array();
  for (const auto& f : facts(n)) {
    fields.push_back(mrkdwn("*" + f.title + "*\n" + escape_markup(f.value)));
  }
  blocks.push_back({{"type", "section"}, {"fields", fields}});

  if (!n.evidence.empty()) {
    blocks.push_back(
        {{"type", "section"},
         {"text", mrkdwn("```\n" + escape_markup(evidence_table(n.evidence)) + "```")}});
  }
  json commands = json::array();
  for (const auto& c : suggested_commands(n)) {
    commands.push_back(mrkdwn(c.label + ": `" + c.command + "`"));
  }
  if (!commands.empty()) blocks.push_back({{"type", "context"}, {"elements", commands}});

  const std::string preview = summary_line(n);
  json payload = {
      {"text", escape_markup(preview)},
      {"username", to.username},
      {"icon_emoji", ":rocket:"},
      {"attachments",
       json::array({{{"color", slack_color(tone(n))}, {"fallback", preview}, {"blocks", blocks}}})},
  };
  if (!to.channel.empty()) payload["channel"] = to.channel;
  return payload;
}

}  // namespace veer::notify
