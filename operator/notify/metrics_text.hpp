// The delivery counters in Prometheus text format, for the operator's /metrics endpoint:
//   veer_notifications_total{provider,outcome}  outcome: queued|sent|failed|dropped|deduplicated
//   veer_notification_retries_total{provider}
//   veer_notifications_pending
#pragma once

#include <map>
#include <string>

#include "operator/notify/delivery_queue.hpp"

namespace veer::notify {

std::string prometheus_text(const std::map<ProviderType, DeliveryCounters>& counters,
                            std::size_t pending);

}  // namespace veer::notify
