#include "operator/controller/experiment/experiment_table.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

namespace veer::controller::experiment {

using nlohmann::json;

namespace {

std::string two_decimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

ExperimentRow experiment_row(const json& e) {
  ExperimentRow row;
  const auto& meta = e.value("metadata", json::object());
  const auto& status = e.value("status", json::object());
  const auto& spec = e.value("spec", json::object());
  row.ns = meta.value("namespace", "");
  row.name = meta.value("name", "");
  row.phase = status.value("phase", "Pending");
  row.looks = std::to_string(status.value("completedIterations", 0)) + "/" +
              std::to_string(spec.value("duration", json::object()).value("iterations", 10));
  for (const auto& v : status.value("versions", json::array())) {
    if (!v.is_object()) continue;
    row.weights += (row.weights.empty() ? "" : " ") + v.value("name", "") + "=" +
                   std::to_string(v.value("weight", 0)) + (v.value("cutOff", false) ? "x" : "");
  }
  const auto& evidence = status.value("evidence", json::object());
  double best = -1;
  for (const auto& v : evidence.value("versions", json::array())) {
    if (!v.is_object()) continue;
    // The assessment keeps it with the reward's sequence; older statuses had it beside the name.
    const auto& reward = v.value("reward", json::object());
    const auto& holder = reward.is_object() && reward.contains("probabilityBest") ? reward : v;
    if (!holder.contains("probabilityBest") || !holder["probabilityBest"].is_number()) continue;
    const double p = holder["probabilityBest"].get<double>();
    if (p > best) {
      best = p;
      row.p_best = v.value("name", "") + " " + two_decimals(p);
    }
  }
  row.winner = status.value("winner", "");
  row.message = status.value("message", "");
  return row;
}

std::string render_experiment_table(const std::vector<ExperimentRow>& rows) {
  const std::array<std::string, 8> header{"NAMESPACE", "NAME",    "PHASE",  "LOOKS",
                                          "WEIGHTS",   "P(BEST)", "WINNER", "MESSAGE"};
  auto cells = [](const ExperimentRow& r) {
    return std::array<std::string, 8>{r.ns,      r.name,   r.phase,  r.looks,
                                      r.weights, r.p_best, r.winner, r.message};
  };
  std::array<std::size_t, 8> width{};
  for (std::size_t i = 0; i < 8; ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    const auto c = cells(r);
    for (std::size_t i = 0; i < 8; ++i) width[i] = std::max(width[i], c[i].size());
  }
  std::ostringstream out;
  auto line = [&](const std::array<std::string, 8>& c) {
    for (std::size_t i = 0; i < 8; ++i) {
      out << c[i];
      if (i + 1 < 8) out << std::string(width[i] - c[i].size() + 2, ' ');
    }
    out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(cells(r));
  return out.str();
}

}  // namespace veer::controller::experiment
