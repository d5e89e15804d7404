#include "operator/controller/family_alpha.hpp"

namespace veer::controller {

int comparison_family(const model::Analysis& analysis) {
  int n = 0;
  for (const auto& metric : analysis.metrics) n += metric.comparison ? 1 : 0;
  return n;
}

model::CanaryMetric at_family_alpha(const model::CanaryMetric& metric, int family) {
  model::CanaryMetric tested = metric;
  if (tested.comparison && family > 1) tested.comparison->alpha /= family;
  return tested;
}

}  // namespace veer::controller
