#include "operator/controller/status_table.hpp"

#include <algorithm>
#include <sstream>

namespace veer::controller {

using nlohmann::json;

CanaryRow row_of(const json& canary) {
  CanaryRow row;
  const auto& meta = canary.value("metadata", json::object());
  row.ns = meta.value("namespace", "");
  row.name = meta.value("name", "");
  const auto& status = canary.value("status", json::object());
  row.phase = status.value("phase", "");
  if (row.phase.empty()) row.phase = "Pending";
  row.weight = status.value("canaryWeight", 0);
  row.failed_checks = status.value("failedChecks", 0);
  row.iterations = status.value("iterations", 0);
  row.last_transition = status.value("lastTransitionTime", "");
  const auto& evidence = status.value("evidence", json::object());
  for (const auto& m : evidence.value("metrics", json::array())) {
    row.verdict +=
        (row.verdict.empty() ? "" : ", ") + m.value("name", "") + ": " + m.value("verdict", "");
  }
  const auto& rollout = status.value("rollout", json::object());
  const auto waiting = rollout.value("waitingFor", "");
  row.note = waiting.empty() ? rollout.value("message", "") : "waiting for " + waiting;
  return row;
}

std::string render_table(const std::vector<CanaryRow>& rows) {
  std::vector<std::vector<std::string>> cells{
      {"NAMESPACE", "NAME", "PHASE", "WEIGHT", "FAILED", "LAST VERDICT", "NOTE", "SINCE"}};
  for (const auto& r : rows) {
    cells.push_back({r.ns, r.name, r.phase, std::to_string(r.weight) + "%",
                     std::to_string(r.failed_checks), r.verdict.empty() ? "-" : r.verdict,
                     r.note.empty() ? "-" : r.note,
                     r.last_transition.empty() ? "-" : r.last_transition});
  }
  std::vector<std::size_t> widths(cells[0].size(), 0);
  for (const auto& row : cells)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
  return out.str();
}

std::string render_line(const CanaryRow& row) {
  std::string bar;
  for (int i = 0; i < 10; ++i) bar += i < row.weight / 10 ? "#" : ".";
  std::ostringstream out;
  out << row.ns << "/" << row.name << "  " << row.phase << "  [" << bar << "] " << row.weight
      << "%";
  if (!row.verdict.empty()) out << "  " << row.verdict;
  if (!row.note.empty()) out << "  (" << row.note << ")";
  return out.str();
}

}  // namespace veer::controller
