// Runs a Canary's rollout webhooks (Flagger's confirm-rollout, pre-rollout, rollout,
// confirm-traffic-increase, confirm-promotion, post-rollout, rollback and event hooks) with
// Flagger's payload, timeout, retries and muteAlert, and turns the answers into the HookResult
// the decision reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"
#include "model/experiment.hpp"
#include "operator/webhooks/hook_poster.hpp"
#include "operator/webhooks/hook_result.hpp"

namespace veer::webhooks {

// The body Flagger POSTs: {name, namespace, phase, checksum, metadata}.
nlohmann::json hook_payload(const model::Canary& canary, model::CanaryPhase phase,
                            const std::map<std::string, std::string>& metadata);

// An Experiment's gate body, the same shape: {name, namespace, phase (the Experiment's),
// checksum (of its generation and winner: which run and which winner it is asked about),
// metadata}.
nlohmann::json experiment_hook_payload(const model::Experiment& experiment,
                                       const std::map<std::string, std::string>& metadata);

// hash(trackedConfigs, lastAppliedSpec): tells a receiver which revision it is asked about.
std::string status_checksum(const model::CanaryStatus& status);

// The body of an `event` hook: the payload with eventMessage, eventType (Normal|Warning) and
// timestamp (ms since the epoch) in metadata; user metadata cannot override these keys.
nlohmann::json event_payload(const model::Canary& canary, const std::string& message, bool warning,
                             std::int64_t timestamp_ms);

class WebhookRunner {
 public:
  // `retry_backoff` is slept (on the real clock) between attempts; tests pass zero.
  explicit WebhookRunner(HookPoster& poster,
                         std::chrono::milliseconds retry_backoff = std::chrono::seconds(1));

  // Runs every hook of `type`, in order. A hook passes on HTTP 200-202; otherwise it is retried
  // `retries` times; the first hook that still fails decides (its name, status and body go into
  // the message). For `rollback` hooks the meaning flips: passed == a hook asked for a rollback.
  HookResult run(const model::Canary& canary, model::WebhookType type);
  // The same for an Experiment's spec.webhooks (its gates: confirm-rollout, confirm-promotion).
  HookResult run(const model::Experiment& experiment, model::WebhookType type);

  // Sends `message` to every `event` hook, or to `fallback_url` (--event-webhook) when the
  // Canary has none. Failures are returned as messages (events must never block a rollout).
  std::vector<std::string> send_event(const model::Canary& canary, const std::string& message,
                                      bool warning, std::int64_t timestamp_ms,
                                      const std::string& fallback_url = "");

 private:
  struct Attempt {
    bool ok = false;
    std::string message;
  };
  Attempt call(const model::CanaryWebhook& hook, const std::string& body);
  HookResult run_hooks(const std::vector<model::CanaryWebhook>& hooks, model::WebhookType type,
                       const std::function<nlohmann::json(const model::CanaryWebhook&)>& body);

  HookPoster& poster_;
  std::chrono::milliseconds retry_backoff_;
};

}  // namespace veer::webhooks
