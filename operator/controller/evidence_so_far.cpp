#include "operator/controller/evidence_so_far.hpp"

#include <cmath>
#include <cstdio>

#include "model/duration.hpp"

namespace veer::controller {

std::optional<int> looks_to_decision(const analysis::stats::SequentialState& before,
                                     const analysis::stats::SequentialState& after, double alpha) {
  const double errors_so_far = static_cast<double>(after.canary_errors + after.primary_errors);
  const double last_look_errors =
      errors_so_far - static_cast<double>(before.canary_errors + before.primary_errors);
  if (errors_so_far <= 0 || last_look_errors <= 0 || after.log_lr == 0) return std::nullopt;
  const double drift_per_error = after.log_lr / errors_so_far;
  const double bound = std::log(1 / alpha);
  const double distance = drift_per_error > 0 ? bound - after.log_lr : after.log_lr + bound;
  if (distance <= 0) return 0;
  return static_cast<int>(std::ceil(distance / (std::abs(drift_per_error) * last_look_errors)));
}

std::string evidence_so_far(const std::string& metric,
                            const analysis::stats::SequentialState& before,
                            const analysis::stats::SequentialState& after, double alpha,
                            std::chrono::milliseconds interval) {
  char numbers[256];
  std::snprintf(numbers, sizeof numbers,
                "e-value %.3g (rolls back at %.3g, promotes at %.3g); canary %llu errors in "
                "%llu requests, primary %llu in %llu",
                std::exp(after.log_lr), 1 / alpha, alpha,
                static_cast<unsigned long long>(after.canary_errors),
                static_cast<unsigned long long>(after.canary_total),
                static_cast<unsigned long long>(after.primary_errors),
                static_cast<unsigned long long>(after.primary_total));
  std::string text = metric + ": " + numbers;
  if (auto looks = looks_to_decision(before, after, alpha)) {
    text += "; about " + model::format_go_duration(interval * std::max(*looks, 1)) +
            " to a decision at the current traffic";
  } else {
    text += "; no estimate of the time to a decision yet (no errors to weigh)";
  }
  return text;
}

}  // namespace veer::controller
