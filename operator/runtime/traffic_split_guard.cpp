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

controller::TrafficSplitCheck check_of(const SampleRatioState& state, int weight) {
  const double e_value = std::exp(analysis::stats::sample_ratio_log_e(state));
  const double observed = state.total ? double(state.canary) / double(state.total) : 0;
  controller::TrafficSplitCheck check;
  check.mismatch = state.mismatch;
  char e_text[32];
  std::snprintf(e_text, sizeof e_text, "%.3g", e_value);
  if (state.mismatch) {
    check.message = "traffic split mismatch: veer set the canary weight to " +
                    std::to_string(weight) + "% but the canary received " + percent(observed) +
                    " of " + std::to_string(state.total) + " requests (e-value " + e_text +
                    " >= " + std::to_string(int(1 / kTrafficSplitAlpha)) +
                    "): the router ignores the weight or the metric query selects the wrong pods";
  } else {
    check.message = "traffic split matches: weight " + std::to_string(weight) + "%, observed " +
                    percent(observed) + " of " + std::to_string(state.total) + " requests";
  }
  check.evidence = {{"weight", weight},
                    {"observed_share", observed},
                    {"requests", state.total},
                    {"e_value", e_value},
                    {"alpha", kTrafficSplitAlpha},
                    {"mismatch", state.mismatch},
                    {"message", check.message},
                    {"state",
                     {{"log_e_closed", state.log_e_closed},
                      {"weight", state.weight},
                      {"canary", state.canary},
                      {"total", state.total},
                      {"looks", state.looks},
                      {"mismatch", state.mismatch}}}};
  return check;
}

}  // namespace

std::optional<controller::TrafficSplitCheck> traffic_split_check(
    const model::Canary& canary, std::optional<std::uint64_t> canary_requests,
    std::optional<std::uint64_t> primary_requests) {
  const int weight = canary.status.canary_weight;
  if (canary.spec.strategy() != model::DeploymentStrategy::Canary) return std::nullopt;
  auto state = previous_state(canary);
  const bool counted = canary_requests && primary_requests;
  if (weight <= 0 || weight >= 100 || !counted || *canary_requests + *primary_requests == 0) {
    if (state && state->mismatch) return check_of(*state, weight);
    return std::nullopt;
  }
  analysis::stats::SampleRatioOptions options;
  options.alpha = kTrafficSplitAlpha;
  auto next =
      analysis::stats::sample_ratio_update(state.value_or(SampleRatioState{}), weight / 100.0,
                                           *canary_requests, *primary_requests, options);
  if (!next) return std::nullopt;
  return check_of(*next, weight);
}

}  // namespace veer::runtime
