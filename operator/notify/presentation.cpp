#include "operator/notify/presentation.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace veer::notify {

Tone tone(const Notification& n) {
  if (n.severity == Severity::error || n.phase == "Failed") return Tone::failure;
  if (n.severity == Severity::warn) return Tone::warning;
  if (n.phase == "Succeeded") return Tone::success;
  return Tone::neutral;
}

int tone_rgb(Tone t) {
  switch (t) {
    case Tone::success:
      return 0x2EB67D;
    case Tone::warning:
      return 0xECB22E;
    case Tone::failure:
      return 0xD40E0D;
    case Tone::neutral:
      return 0x1D9BD1;
  }
  return 0x1D9BD1;
}

std::string tone_hex(Tone t) {
  return fmt::format("#{:06X}", tone_rgb(t));
}

std::string evidence_table(const std::vector<EvidenceRow>& rows) {
  using Cells = std::array<std::string, 5>;
  std::vector<Cells> table{{"metric", "canary", "primary", "verdict", "margin"}};
  for (const auto& r : rows) table.push_back({r.metric, r.canary, r.primary, r.verdict, r.margin});
  std::array<std::size_t, 5> width{};
  for (const auto& cells : table) {
    for (std::size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  }
  std::string out;
  for (const auto& cells : table) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

std::string evidence_line(const EvidenceRow& row) {
  std::string line = fmt::format("{}: canary {} vs primary {} — {}", row.metric, row.canary,
                                 row.primary, row.verdict);
  if (!row.margin.empty()) line += " (" + row.margin + ")";
  return line;
}

std::string escape_markup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace veer::notify
