// A rollout webhook's answer: the real WebhookRunner, with a poster that answers every call with
// the input's status and body, runs a Canary's gate, rollback and event hooks.
#include <chrono>

#include "model/canary.hpp"
#include "operator/webhooks/webhook_runner.hpp"
#include "support/reply.hpp"

namespace {

class ScriptedPoster final : public veer::webhooks::HookPoster {
 public:
  explicit ScriptedPoster(veer::webhooks::HookReply reply) : reply_(std::move(reply)) {}
  veer::webhooks::HookReply post(const veer::webhooks::HookCall&) override { return reply_; }

 private:
  veer::webhooks::HookReply reply_;
};

const veer::model::Canary& canary() {
  static const veer::model::Canary parsed = [] {
    auto json = nlohmann::json::parse(R"({
      "apiVersion": "veer.dev/v1alpha1", "kind": "Canary",
      "metadata": {"name": "podinfo", "namespace": "test"},
      "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
               "service": {"port": 9898},
               "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
                 "webhooks": [
                   {"name": "gate", "type": "confirm-rollout", "url": "http://user:pw@gate/", "retries": 2},
                   {"name": "load", "type": "rollout", "url": "http://load/", "metadata": {"cmd": "hey"}},
                   {"name": "undo", "type": "rollback", "url": "http://undo/?token=t"},
                   {"name": "events", "type": "event", "url": "http://events/"}]}}})");
    return veer::model::parse_canary(json).value;
  }();
  return parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using veer::model::WebhookType;
  const auto reply = veer::fuzz::reply_of(data, size);
  ScriptedPoster poster({reply.status, reply.body, reply.status == 0 ? reply.body : ""});
  veer::webhooks::WebhookRunner runner(poster, std::chrono::milliseconds(0));
  for (auto type : {WebhookType::ConfirmRollout, WebhookType::Rollout, WebhookType::Rollback})
    (void)runner.run(canary(), type);
  (void)runner.send_event(canary(), reply.header, reply.variant & 1, 1'700'000'000'000);
  return 0;
}
