// The time each look's counts cover (issue 12, contiguous windows): from the end of the previous
// look that counted to now, so every request is counted once across looks, restarts and late
// reconciles. The previous end lives in the Canary status (status.evidence.metrics[].evidence.
// window), never in memory.
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

namespace veer::controller {

struct Window {
  double start_unix_seconds = 0;
  double end_unix_seconds = 0;
  bool operator==(const Window&) const = default;
};

// The first look of a run covers the metric's interval ending now; later looks start where the
// previous one ended, however late this one is. Nothing when no time has passed since then
// (a second look at the same instant, or a clock that went back): there is nothing new to count.
std::optional<Window> look_window(std::optional<double> previous_end, double now_unix_seconds,
                                  std::chrono::milliseconds metric_interval);

// The end of the previous look of `metric` this run, from status.evidence (nothing: first look).
std::optional<double> previous_look_end(const nlohmann::json& evidence, const std::string& metric);

// Whether the previous look of `metric` had no data (its verdict in status.evidence is no-data):
// then this look's window spans the time nothing was counted, e.g. a Prometheus outage.
bool previous_look_had_no_data(const nlohmann::json& evidence, const std::string& metric);

nlohmann::json to_json(const Window& window);

}  // namespace veer::controller
