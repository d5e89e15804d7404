// The operator's AlertSink: a Canary's `analysis.alerts` (an Experiment's `spec.alerts`) resolved
// to AlertProviders and their Secrets (read from the cache), or — only for a Canary without alerts
// — the global defaults
// (--slack-url, ...), handed to a Notifier (the DeliveryQueue) that never blocks the rollout. An
// AlertProvider or Secret that cannot be resolved becomes a Warning Event on the Canary naming it.
#pragma once

#include "base/clock.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/experiment/experiment_alerts.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/notify/global_defaults.hpp"
#include "operator/notify/notifier.hpp"
#include "operator/runtime/canary_events.hpp"
#include "operator/runtime/logger.hpp"

namespace veer::runtime {

class NotifyAlertSink final : public controller::AlertSink,
                              public controller::experiment::ExperimentAlertSink {
 public:
  // `objects` is where AlertProviders and Secrets are read and Events written (the cache).
  NotifyAlertSink(kube::Cluster& objects, base::Clock& clock, notify::Notifier& notifier,
                  notify::GlobalDefaults defaults, Logger* logger = nullptr);
  void send(const model::Canary& canary, const controller::Alert& alert) override;
  // An Experiment's spec.alerts, the same way (global defaults when it has none).
  void send(const model::Experiment& experiment, const controller::Alert& alert) override;

 private:
  // Resolves `alerts` in `ns` and hands `n` to each route; an unresolvable one becomes a
  // Warning Event on the object (`meta`, `api_version`, `kind`).
  void deliver(const std::vector<model::CanaryAlert>& alerts, const notify::Notification& n,
               const model::ObjectMeta& meta, const std::string& api_version,
               const std::string& kind);

  kube::Cluster& objects_;
  notify::Notifier& notifier_;
  notify::GlobalDefaults defaults_;
  Logger* logger_;
  CanaryEvents events_;
};

// The Notification for one alert of a Canary: phase, weight and the latest evidence rows.
notify::Notification notification_of(const model::Canary& canary, const controller::Alert& alert,
                                     const std::string& cluster_name);
// For an Experiment: phase "Experiment <phase>" (so no Canary command is suggested), weight the
// candidates' share of the traffic, revision the winner (once found).
notify::Notification notification_of(const model::Experiment& experiment,
                                     const controller::Alert& alert,
                                     const std::string& cluster_name);

}  // namespace veer::runtime
