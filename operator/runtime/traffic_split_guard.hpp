// The traffic-split guard (sample-ratio mismatch) as the metrics checker runs it: this look's
// request counts per side against the weight veer wrote, with the anytime-valid test of
// analysis/stats/sample_ratio.hpp at alpha 0.001. Its state is read from and returned to
// status.evidence.traffic_split, so a restarted operator continues the same test.
#pragma once

#include <cstdint>
#include <optional>

#include "model/canary.hpp"
#include "operator/controller/decision.hpp"

namespace veer::runtime {

inline constexpr double kTrafficSplitAlpha = 0.001;

// Nothing when the split cannot be judged: not a weighted canary rollout (blue/green, A/B),
// weight 0 or 100, and no counts now or before. A look without counts keeps the previous
// look's mismatch. A look whose window spans looks without data (Prometheus was down, so it
// scraped nothing) is not added: its counts are extrapolated across the gap, and a pod that
// restarted in the gap and counted past its last scraped value looks like no reset at all,
// so one side's requests are undercounted (bench/decisions/results.md measured false mismatches
// from exactly this).
std::optional<controller::TrafficSplitCheck> traffic_split_check(
    const model::Canary& canary, std::optional<std::uint64_t> canary_requests,
    std::optional<std::uint64_t> primary_requests, bool window_spans_no_data = false);

}  // namespace veer::runtime
