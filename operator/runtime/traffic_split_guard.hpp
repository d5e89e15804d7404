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
// weight 0 or 100, and no counts now or before. A proven mismatch is kept for the run.
std::optional<controller::TrafficSplitCheck> traffic_split_check(
    const model::Canary& canary, std::optional<std::uint64_t> canary_requests,
    std::optional<std::uint64_t> primary_requests);

}  // namespace veer::runtime
