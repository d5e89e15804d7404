#include "e2e/controller/tests/support/builtin_metrics.hpp"

namespace veer::e2e {

nlohmann::json builtin_metrics(const std::string& window) {
  return nlohmann::json::array(
      {{{"name", "request-success-rate"}, {"interval", window}, {"thresholdRange", {{"min", 99}}}},
       {{"name", "request-duration"}, {"interval", window}, {"thresholdRange", {{"max", 500}}}}});
}

}  // namespace veer::e2e
