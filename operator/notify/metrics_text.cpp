#include "operator/notify/metrics_text.hpp"

#include <fmt/format.h>

namespace veer::notify {

std::string prometheus_text(const std::map<ProviderType, DeliveryCounters>& counters,
                            std::size_t pending) {
  std::string out =
      "# HELP veer_notifications_total Notifications by provider and outcome.\n"
      "# TYPE veer_notifications_total counter\n";
  for (const auto& [type, c] : counters) {
    const auto name = to_string(type);
    const std::pair<const char*, std::uint64_t> outcomes[] = {{"queued", c.queued},
                                                              {"sent", c.sent},
                                                              {"failed", c.failed},
                                                              {"dropped", c.dropped},
                                                              {"deduplicated", c.deduplicated}};
    for (const auto& [outcome, value] : outcomes) {
      out += fmt::format("veer_notifications_total{{provider=\"{}\",outcome=\"{}\"}} {}\n", name,
                         outcome, value);
    }
  }
  out +=
      "# HELP veer_notification_retries_total Delivery attempts after the first.\n"
      "# TYPE veer_notification_retries_total counter\n";
  for (const auto& [type, c] : counters) {
    out += fmt::format("veer_notification_retries_total{{provider=\"{}\"}} {}\n", to_string(type),
                       c.retries);
  }
  out += fmt::format(
      "# HELP veer_notifications_pending Notifications queued or in flight.\n"
      "# TYPE veer_notifications_pending gauge\n"
      "veer_notifications_pending {}\n",
      pending);
  return out;
}

}  // namespace veer::notify
