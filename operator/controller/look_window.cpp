#include "operator/controller/look_window.hpp"

namespace veer::controller {

std::optional<Window> look_window(std::optional<double> previous_end, double now_unix_seconds,
                                  std::chrono::milliseconds metric_interval) {
  if (!previous_end) {
    const double length = std::chrono::duration<double>(metric_interval).count();
    return Window{now_unix_seconds - length, now_unix_seconds};
  }
  if (*previous_end >= now_unix_seconds) return std::nullopt;
  return Window{*previous_end, now_unix_seconds};
}

std::optional<double> previous_look_end(const nlohmann::json& evidence, const std::string& metric) {
  if (!evidence.is_object() || !evidence.contains("metrics") || !evidence["metrics"].is_array())
    return std::nullopt;
  for (const auto& entry : evidence["metrics"]) {
    if (!entry.is_object() || entry.value("name", "") != metric) continue;
    const auto e = entry.value("evidence", nlohmann::json::object());
    if (!e.is_object() || !e.contains("window") || !e["window"].is_object()) return std::nullopt;
    const auto& end = e["window"]["end"];
    if (!end.is_number()) return std::nullopt;
    return end.get<double>();
  }
  return std::nullopt;
}

bool previous_look_had_no_data(const nlohmann::json& evidence, const std::string& metric) {
  if (!evidence.is_object() || !evidence.contains("metrics") || !evidence["metrics"].is_array())
    return false;
  for (const auto& entry : evidence["metrics"]) {
    if (entry.is_object() && entry.value("name", "") == metric)
      return entry.value("verdict", "") == "no-data";
  }
  return false;
}

nlohmann::json to_json(const Window& window) {
  return {{"start", window.start_unix_seconds}, {"end", window.end_unix_seconds}};
}

}  // namespace veer::controller
