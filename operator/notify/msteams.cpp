#include "operator/notify/msteams.hpp"

#include "operator/notify/presentation.hpp"

namespace veer::notify {
namespace {

using nlohmann::json;

std::string host_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = url.find_first_of(":/?", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json text_block(const std::string& text, json extra = json::object()) {
  json block = {{"type", "TextBlock"}, {"text", text}, {"wrap", true}};
  block.update(extra);
  return block;
}

}  // namespace

bool is_legacy_teams_connector(const std::string& url) {
  const std::string host = host_of(url);
  return ends_with(host, ".webhook.office.com") || host == "outlook.office.com" ||
         host == "outlook.office365.com";
}

json msteams_payload(const Notification& n, const Destination& to) {
  return is_legacy_teams_connector(to.address) ? msteams_message_card(n) : msteams_adaptive_card(n);
}

json msteams_message_card(const Notification& n) {
  json fact_list = json::array();
  for (const auto& f : facts(n)) fact_list.push_back({{"name", f.title}, {"value", f.value}});
  json sections = json::array();
  sections.push_back({{"activityTitle", n.canary_id()},
                      {"activitySubtitle", n.message},
                      {"text", n.reason},
                      {"facts", fact_list},
                      {"markdown", true}});
  if (!n.evidence.empty()) {
    json rows = json::array();
    for (const auto& e : n.evidence)
      rows.push_back({{"name", e.metric}, {"value", evidence_line(e)}});
    sections.push_back({{"title", "Evidence"}, {"facts", rows}, {"markdown", true}});
  }
  json commands = json::array();
  for (const auto& c : suggested_commands(n)) {
    commands.push_back({{"name", c.label}, {"value", "`" + c.command + "`"}});
  }
  if (!commands.empty()) sections.push_back({{"title", "Next"}, {"facts", commands}});
  return {{"@type", "MessageCard"},
          {"@context", "https://schema.org/extensions"},
          {"themeColor", tone_hex(tone(n)).substr(1)},
          {"summary", summary_line(n)},
          {"title", n.canary_id() + ": " + n.message},
          {"sections", sections}};
}

json msteams_adaptive_card(const Notification& n) {
  const Tone t = tone(n);
  const char* color = t == Tone::failure   ? "Attention"
                      : t == Tone::warning ? "Warning"
                      : t == Tone::success ? "Good"
                                           : "Accent";
  json body = json::array();
  body.push_back(
      text_block(n.canary_id(), {{"size", "Large"}, {"weight", "Bolder"}, {"color", color}}));
  body.push_back(text_block(n.message, {{"weight", "Bolder"}}));
  if (!n.reason.empty()) body.push_back(text_block(n.reason));
  json fact_list = json::array();
  for (const auto& f : facts(n)) fact_list.push_back({{"title", f.title}, {"value", f.value}});
  body.push_back({{"type", "FactSet"}, {"facts", fact_list}});
  if (!n.evidence.empty()) {
    body.push_back(text_block("Evidence", {{"weight", "Bolder"}, {"separator", true}}));
    json rows = json::array();
    for (const auto& e : n.evidence) {
      std::string value = e.canary + " vs " + e.primary + " — " + e.verdict;
      if (!e.margin.empty()) value += " (" + e.margin + ")";
      rows.push_back({{"title", e.metric}, {"value", value}});
    }
    body.push_back({{"type", "FactSet"}, {"facts", rows}});
  }
  for (const auto& c : suggested_commands(n)) {
    body.push_back(text_block(c.label + ": `" + c.command + "`", {{"isSubtle", true}}));
  }
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"fallbackText", summary_line(n)},
               {"body", body}};
  return {{"type", "message"},
          {"summary", summary_line(n)},
          {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                        {"contentUrl", nullptr},
                                        {"content", card}}})}};
}

}  // namespace veer::notify
