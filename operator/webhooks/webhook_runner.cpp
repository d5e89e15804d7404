#include "operator/webhooks/webhook_runner.hpp"

#include <thread>

#include "http/printable.hpp"
#include "http/redact.hpp"
#include "model/canonical_json.hpp"

namespace veer::webhooks {

using nlohmann::json;

namespace {
// The body as sent: bytes that are not UTF-8 (from a server's answer quoted in an event message)
// become U+FFFD instead of making dump() throw (found by fuzz/targets/webhook_reply.cpp).
std::string json_text(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

json hook_payload(const model::Canary& canary, model::CanaryPhase phase,
                  const std::map<std::string, std::string>& metadata) {
  return {{"name", canary.metadata.name},
          {"namespace", canary.metadata.namespace_},
          {"phase", std::string(model::to_string(phase))},
          {"checksum", status_checksum(canary.status)},
          {"metadata", metadata}};
}

std::string status_checksum(const model::CanaryStatus& status) {
  return model::canonical_hash(
      {{"trackedConfigs", status.tracked_configs}, {"lastAppliedSpec", status.last_applied_spec}});
}

json experiment_hook_payload(const model::Experiment& experiment,
                             const std::map<std::string, std::string>& metadata) {
  return {{"name", experiment.metadata.name},
          {"namespace", experiment.metadata.namespace_},
          {"phase", std::string(model::to_string(experiment.status.phase))},
          {"checksum", model::canonical_hash({{"generation", experiment.metadata.generation},
                                              {"winner", experiment.status.winner}})},
          {"metadata", metadata}};
}

json event_payload(const model::Canary& canary, const std::string& message, bool warning,
                   std::int64_t timestamp_ms) {
  return hook_payload(canary, canary.status.phase,
                      {{"eventMessage", message},
                       {"eventType", warning ? "Warning" : "Normal"},
                       {"timestamp", std::to_string(timestamp_ms)}});
}

WebhookRunner::WebhookRunner(HookPoster& poster, std::chrono::milliseconds retry_backoff)
    : poster_(poster), retry_backoff_(retry_backoff) {}

WebhookRunner::Attempt WebhookRunner::call(const model::CanaryWebhook& hook,
                                           const std::string& body) {
  Attempt last;
  const int attempts = 1 + std::max(0, hook.retries);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0 && retry_backoff_.count() > 0) std::this_thread::sleep_for(retry_backoff_ * i);
    auto reply = poster_.post({hook.url, body, hook.timeout, hook.disable_tls});
    if (reply.status >= 200 && reply.status <= 202) return {true, ""};
    std::string what = hook.name + " (" + http::redact(hook.url) + ")";
    if (reply.status == 0) {
      last = {false, what + " failed: " + reply.error};
    } else {
      const auto text = http::printable_excerpt(reply.body, 300);
      last = {false, what + " returned " + std::to_string(reply.status) +
                         (text.empty() ? "" : ": " + text)};
    }
    if (reply.status != 0 && reply.status < 500 && reply.status != 429) break;  // not transient
  }
  if (attempts > 1) last.message += " (after " + std::to_string(attempts) + " attempts)";
  return last;
}

HookResult WebhookRunner::run(const model::Canary& canary, model::WebhookType type) {
  if (!canary.spec.analysis) return {};
  return run_hooks(canary.spec.analysis->webhooks, type, [&](const model::CanaryWebhook& hook) {
    return hook_payload(canary, canary.status.phase, hook.metadata);
  });
}

HookResult WebhookRunner::run(const model::Experiment& experiment, model::WebhookType type) {
  return run_hooks(experiment.spec.webhooks, type, [&](const model::CanaryWebhook& hook) {
    return experiment_hook_payload(experiment, hook.metadata);
  });
}

HookResult WebhookRunner::run_hooks(const std::vector<model::CanaryWebhook>& hooks,
                                    model::WebhookType type,
                                    const std::function<json(const model::CanaryWebhook&)>& body) {
  HookResult result;
  const bool rollback = type == model::WebhookType::Rollback;
  if (rollback) result.passed = false;
  for (const auto& hook : hooks) {
    if (hook.type != type) continue;
    auto attempt = call(hook, json_text(body(hook)));
    if (rollback) {
      if (attempt.ok)
        return {true, hook.name + " (" + http::redact(hook.url) + ") asked for a rollback", false};
      continue;
    }
    if (!attempt.ok) return {false, attempt.message, hook.mute_alert};
  }
  return result;
}

std::vector<std::string> WebhookRunner::send_event(const model::Canary& canary,
                                                   const std::string& message, bool warning,
                                                   std::int64_t timestamp_ms,
                                                   const std::string& fallback_url) {
  std::vector<std::string> failures;
  std::vector<model::CanaryWebhook> hooks;
  if (canary.spec.analysis) {
    for (const auto& hook : canary.spec.analysis->webhooks) {
      if (hook.type == model::WebhookType::Event) hooks.push_back(hook);
    }
  }
  if (hooks.empty() && !fallback_url.empty()) {
    model::CanaryWebhook global;
    global.type = model::WebhookType::Event;
    global.name = "event-webhook";
    global.url = fallback_url;
    hooks.push_back(global);
  }
  for (const auto& hook : hooks) {
    auto body = event_payload(canary, message, warning, timestamp_ms);
    for (const auto& [key, value] : hook.metadata) {
      if (!body["metadata"].contains(key)) body["metadata"][key] = value;
    }
    auto attempt = call(hook, json_text(body));
    if (!attempt.ok) failures.push_back(attempt.message);
  }
  return failures;
}

}  // namespace veer::webhooks
