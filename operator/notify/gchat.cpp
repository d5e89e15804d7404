#include "operator/notify/gchat.hpp"

#include "operator/notify/presentation.hpp"

namespace veer::notify {
namespace {

using nlohmann::json;

json paragraph(const std::string& text) {
  return {{"textParagraph", {{"text", text}}}};
}

json labelled(const std::string& label, const std::string& text) {
  return {{"decoratedText", {{"topLabel", label}, {"text", text}, {"wrapText", true}}}};
}

}  // namespace

json gchat_payload(const Notification& n, const Destination& /*to*/) {
  std::string headline =
      "<b><font color=\"" + tone_hex(tone(n)) + "\">" + escape_markup(n.message) + "</font></b>";
  if (!n.reason.empty()) headline += "<br>" + escape_markup(n.reason);
  json sections = json::array({{{"widgets", json::array({paragraph(headline)})}}});

  json details = json::array();
  for (const auto& f : facts(n)) details.push_back(labelled(f.title, escape_markup(f.value)));
  sections.push_back({{"header", "Details"}, {"widgets", details}});

  if (!n.evidence.empty()) {
    json rows = json::array();
    for (const auto& e : n.evidence) {
      std::string text = escape_markup(e.canary + " vs " + e.primary + " — " + e.verdict);
      if (!e.margin.empty()) text += " (" + escape_markup(e.margin) + ")";
      rows.push_back(labelled(e.metric, text));
    }
    sections.push_back({{"header", "Evidence"}, {"widgets", rows}});
  }
  json next = json::array();
  for (const auto& c : suggested_commands(n)) {
    next.push_back(labelled(c.label, "<code>" + escape_markup(c.command) + "</code>"));
  }
  if (!next.empty()) sections.push_back({{"header", "Next"}, {"widgets", next}});

  json card = {{"header",
                {{"title", n.canary_id()},
                 {"subtitle", n.cluster.empty() ? n.phase : n.cluster + " · " + n.phase}}},
               {"sections", sections}};
  return {{"text", summary_line(n)},
          {"cardsV2", json::array({{{"cardId", "veer-" + n.canary_id()}, {"card", card}}})}};
}

}  // namespace veer::notify
