// The operator's AlertSink: a Canary's `analysis.alerts` resolved to AlertProviders and their
// Secrets (read from the cache), or — only for a Canary without alerts — the global defaults
// (--slack-url, ...), handed to a Notifier (the DeliveryQueue) that never blocks the rollout. An
// AlertProvider or Secret that cannot be resolved becomes a Warning Event on the Canary naming it.
#pragma once

#include "base/clock.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/notify/global_defaults.hpp"
#include "operator/notify/notifier.hpp"
#include "operator/runtime/canary_events.hpp"
#include "operator/runtime/logger.hpp"

namespace veer::runtime {

class NotifyAlertSink final : public controller::AlertSink {
 public:
  // `objects` is where AlertProviders and Secrets are read and Events written (the cache).
  NotifyAlertSink(kube::Cluster& objects, base::Clock& clock, notify::Notifier& notifier,
                  notify::GlobalDefaults defaults, Logger* logger = nullptr);
  void send(const model::Canary& canary, const controller::Alert& alert) override;

 private:
  kube::Cluster& objects_;
  notify::Notifier& notifier_;
  notify::GlobalDefaults defaults_;
  Logger* logger_;
  CanaryEvents events_;
};

// The Notification for one alert of a Canary: phase, weight and the latest evidence rows.
notify::Notification notification_of(const model::Canary& canary, const controller::Alert& alert,
                                     const std::string& cluster_name);

}  // namespace veer::runtime
