#include "operator/runtime/alert_sink.hpp"

#include <map>
#include <sstream>

#include "model/alert_provider.hpp"
#include "operator/notify/alert_provider_destination.hpp"
#include "operator/notify/routing.hpp"
#include "operator/runtime/watched_types.hpp"

namespace veer::runtime {
namespace {

using nlohmann::json;

std::string number(const json& evidence, const char* key) {
  if (!evidence.is_object() || !evidence.contains(key) || !evidence[key].is_number()) return "";
  std::ostringstream out;
  out.precision(4);
  out << evidence[key].get<double>();
  return out.str();
}

}  // namespace

notify::Notification notification_of(const model::Canary& canary, const controller::Alert& alert,
                                     const std::string& cluster_name) {
  notify::Notification n;
  n.name = canary.metadata.name;
  n.namespace_ = canary.metadata.namespace_;
  n.cluster = cluster_name;
  n.phase = std::string(model::to_string(canary.status.phase));
  n.weight = canary.status.canary_weight;
  n.revision = canary.status.last_applied_spec;
  n.severity = notify::to_severity(alert.severity);
  n.message = alert.message;
  const auto& evidence = canary.status.evidence;
  if (evidence.is_object() && evidence.contains("metrics") && evidence["metrics"].is_array()) {
    for (const auto& m : evidence["metrics"]) {
      if (!m.is_object()) continue;
      const auto& e = m.value("evidence", json::object());
      notify::EvidenceRow row;
      row.metric = m.value("name", "");
      row.canary = number(e, "value");
      row.primary = number(e, "baseline_value");
      row.verdict = m.value("verdict", "");
      if (e.is_object() && e.contains("ci_low") && e.contains("ci_high"))
        row.margin = "[" + number(e, "ci_low") + ", " + number(e, "ci_high") + "]";
      n.evidence.push_back(std::move(row));
    }
  }
  return n;
}

NotifyAlertSink::NotifyAlertSink(kube::Cluster& objects, base::Clock& clock,
                                 notify::Notifier& notifier, notify::GlobalDefaults defaults,
                                 Logger* logger)
    : objects_(objects),
      notifier_(notifier),
      defaults_(std::move(defaults)),
      logger_(logger),
      events_(objects, clock) {}

notify::Notification notification_of(const model::Experiment& experiment,
                                     const controller::Alert& alert,
                                     const std::string& cluster_name) {
  notify::Notification n;
  n.name = experiment.metadata.name;
  n.namespace_ = experiment.metadata.namespace_;
  n.cluster = cluster_name;
  n.phase = "Experiment " + std::string(model::to_string(experiment.status.phase));
  for (const auto& v : experiment.status.versions)
    if (v.name != experiment.spec.baseline.name) n.weight += v.weight;
  n.revision = experiment.status.winner;
  n.severity = notify::to_severity(alert.severity);
  n.message = alert.message;
  return n;
}

void NotifyAlertSink::send(const model::Canary& canary, const controller::Alert& alert) {
  std::vector<model::CanaryAlert> alerts;
  if (canary.spec.analysis) alerts = canary.spec.analysis->alerts;
  deliver(alerts, notification_of(canary, alert, defaults_.cluster_name), canary.metadata,
          canary.api_version, "Canary");
}

void NotifyAlertSink::send(const model::Experiment& experiment, const controller::Alert& alert) {
  deliver(experiment.spec.alerts, notification_of(experiment, alert, defaults_.cluster_name),
          experiment.metadata, experiment.api_version, "Experiment");
}

void NotifyAlertSink::deliver(const std::vector<model::CanaryAlert>& alerts,
                              const notify::Notification& n, const model::ObjectMeta& meta,
                              const std::string& api_version, const std::string& kind) {
  const auto& ns = meta.namespace_;

  std::map<std::string, model::AlertProvider> providers;  // node-based: pointers stay valid
  std::map<std::string, json> secrets;
  std::vector<std::string> problems;
  auto find_provider = [&](const std::string& pns,
                           const std::string& name) -> const model::AlertProvider* {
    const auto key = pns + "/" + name;
    if (auto it = providers.find(key); it != providers.end()) return &it->second;
    auto got = objects_.get({types::alert_providers(), pns, name});
    if (!got) {
      if (!got.is(kube::ErrorType::NotFound))
        problems.push_back("AlertProvider " + key + ": " + got.error().message);
      return nullptr;
    }
    auto parsed = model::parse_alert_provider(*got);
    if (!parsed.ok()) {
      std::string text;
      for (const auto& e : parsed.errors) text += (text.empty() ? "" : "; ") + model::to_string(e);
      problems.push_back("AlertProvider " + key + " is invalid: " + text);
      return nullptr;
    }
    return &(providers[key] = parsed.value);
  };
  auto find_secret = [&](const std::string& sns, const std::string& name) -> const json* {
    const auto key = sns + "/" + name;
    if (auto it = secrets.find(key); it != secrets.end()) return &it->second;
    auto got = objects_.get({types::secrets(), sns, name});
    if (!got) return nullptr;
    return &(secrets[key] = *got);
  };
  auto resolved = notify::resolve_alerts(alerts, ns, find_provider, find_secret);

  for (const auto& problem : problems) resolved.errors.push_back(problem);
  for (const auto& error : resolved.errors) {
    const auto message = "Alert not delivered: " + error;
    if (events_.write(meta, api_version, kind, true, "AlertProviderError", message) && logger_)
      logger_->warn(message,
                    {{kind == "Canary" ? "canary" : "experiment", meta.name}, {"namespace", ns}});
  }

  // Global defaults only for a Canary without alerts (Flagger): one whose alerts all failed to
  // resolve said so in an event, and is not silently sent elsewhere.
  const auto globals =
      alerts.empty() ? defaults_.destinations() : std::vector<notify::Destination>{};
  for (const auto& to : notify::route(n, resolved.routes, globals)) notifier_.send(n, to);
}

}  // namespace veer::runtime
