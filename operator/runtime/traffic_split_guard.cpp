#include "operator/runtime/traffic_split_guard.hpp"

#include <cmath>
#include <cstdio>

#include "analysis/stats/sample_ratio.hpp"

namespace veer::runtime {
namespace {

using analysis::stats::SampleRatioState;
using nlohmann::json;

std::optional<SampleRatioState> previous_state(const model::Canary& canary) {
  const auto& evidence = canary.status.evidence;
  if (!evidence.is_object() || !evidence.contains("traffic_split")) return std::nullopt;
  const auto& s = evidence["traffic_split"].value("state", json());
  if (!s.is_object()) return std::nullopt;
  try {
    SampleRatioState state;
    state.log_e_closed = s.at("log_e_closed").get<double>();
    state.weight = s.at("weight").get<double>();
    state.canary = s.at("canary").get<std::uint64_t>();
    state.total = s.at("total").get<std::uint64_t>();
    state.looks = s.at("looks").get<std::uint64_t>();
    state.mismatch = s.at("mismatch").get<bool>();
    // Absent in a status written before the guard kept the look that fired.
    state.fired_look = s.value("fired_look", std::uint64_t{0});
    state.fired_log_e = s.value("fired_log_e", 0.0);
    state.fired_weight = s.value("fired_weight", 0.0);
    state.fired_canary = s.value("fired_canary", std::uint64_t{0});
    state.fired_total = s.value("fired_total", std::uint64_t{0});
    return state;
  } catch (const json::exception&) {
    return std::nullopt;  // unreadable: start over rather than guess
  }
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100);
  return text;
}

// An e-value as text; past double's range (a router that ignores the weight, on many requests)
// as a power of ten.
std::string e_text(double log_e) {
  char text[32];
  if (log_e / std::log(10.0) < 300)
    std::snprintf(text, sizeof text, "%.3g", std::exp(log_e));
  else
    std::snprintf(text, sizeof text, "1e+%.0f", std::floor(log_e / std::log(10.0)));
  return text;
}

std::string share_of(std::uint64_t canary, std::uint64_t total) {
  return percent(total ? double(canary) / double(total) : 0);
}

// Which look fired, its share and e-value: the evidence of a mismatch, not the latest look's.
std::string fired_text(const SampleRatioState& state) {
  return "look " + std::to_string(state.fired_look) + " of the guard (" +
         share_of(state.fired_canary, state.fired_total) + " of " +
         std::to_string(state.fired_total) + " requests at weight " +
         std::to_string(int(std::lround(state.fired_weight * 100))) + "%, e-value " +
         e_text(state.fired_log_e) + " >= " + std::to_string(int(1 / kTrafficSplitAlpha)) + ")";
}

controller::TrafficSplitCheck check_of(const SampleRatioState& state, int weight,
                                       const std::string& skipped) {
  const double log_e = analysis::stats::sample_ratio_log_e(state);
  const double observed = state.total ? double(state.canary) / double(state.total) : 0;
  controller::TrafficSplitCheck check;
  check.mismatch = state.mismatch;
  if (state.mismatch) {
    check.message = "traffic split mismatch: veer set the canary weight to " +
                    std::to_string(weight) + "% but the canary received " + percent(observed) +
                    " of " + std::to_string(state.total) + " requests (e-value " + e_text(log_e) +
                    "; fired at " + fired_text(state) +
                    "): the router ignores the weight or the metric query selects the wrong pods";
  } else {
    check.message = "traffic split matches: weight " + std::to_string(weight) + "%, observed " +
                    percent(observed) + " of " + std::to_string(state.total) + " requests";
    if (state.fired_look)
      check.message += " (a mismatch fired at " + fired_text(state) +
                       " and was outweighed by the looks after it)";
  }
  if (!skipped.empty()) check.message += "; this look was not counted: " + skipped;
  check.evidence = {{"weight", weight},
                    {"observed_share", observed},
                    {"requests", state.total},
                    {"e_value", std::exp(log_e)},
                    {"alpha", kTrafficSplitAlpha},
                    {"mismatch", state.mismatch},
                    {"message", check.message},
                    {"state",
                     {{"log_e_closed", state.log_e_closed},
                      {"weight", state.weight},
                      {"canary", state.canary},
                      {"total", state.total},
                      {"looks", state.looks},
                      {"mismatch", state.mismatch},
                      {"fired_look", state.fired_look},
                      {"fired_log_e", state.fired_log_e},
                      {"fired_weight", state.fired_weight},
                      {"fired_canary", state.fired_canary},
                      {"fired_total", state.fired_total}}}};
  if (state.fired_look)
    check.evidence["fired"] = {
        {"look", state.fired_look},
        {"e_value", std::exp(state.fired_log_e)},
        {"weight", int(std::lround(state.fired_weight * 100))},
        {"observed_share",
         state.fired_total ? double(state.fired_canary) / double(state.fired_total) : 0},
        {"requests", state.fired_total}};
  if (!skipped.empty()) check.evidence["skipped_look"] = skipped;
  return check;
}

}  // namespace

std::optional<controller::TrafficSplitCheck> traffic_split_check(
    const model::Canary& canary, std::optional<std::uint64_t> canary_requests,
    std::optional<std::uint64_t> primary_requests, bool window_spans_no_data) {
  const int weight = canary.status.canary_weight;
  if (canary.spec.strategy() != model::DeploymentStrategy::Canary) return std::nullopt;
  auto state = previous_state(canary);
  const bool counted = canary_requests && primary_requests;
  if (weight <= 0 || weight >= 100 || !counted || *canary_requests + *primary_requests == 0) {
    if (state && state->mismatch) return check_of(*state, weight, "");
    return std::nullopt;
  }
  if (window_spans_no_data) {
    const std::string why =
        "its window spans looks without data, so its counts were estimated across a scrape gap "
        "(a counter reset inside the gap cannot be seen)";
    if (state) return check_of(*state, weight, why);
    return std::nullopt;
  }
  analysis::stats::SampleRatioOptions options;
  options.alpha = kTrafficSplitAlpha;
  auto next =
      analysis::stats::sample_ratio_update(state.value_or(SampleRatioState{}), weight / 100.0,
                                           *canary_requests, *primary_requests, options);
  if (!next) return std::nullopt;
  return check_of(*next, weight, "");
}

}  // namespace veer::runtime
