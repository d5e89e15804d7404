#include "operator/controller/knative_target.hpp"

namespace veer::controller {

using model::CanaryPhase;
using nlohmann::json;

namespace {

constexpr const char* kPrimaryRevision = "veer.dev/primary-revision";
constexpr const char* kFlaggerPrimaryRevision = "flagger.app/primary-revision";

std::string text_at(const json& object, const json::json_pointer& pointer) {
  const auto found = object.value(pointer, json());
  return found.is_string() ? found.get<std::string>() : "";
}

bool initializing(CanaryPhase phase) {
  return phase == CanaryPhase::None || phase == CanaryPhase::Initializing;
}

// A Revision's health from its Ready condition. Knative sets Ready=False only when it gave up on
// the revision (its own progress deadline, a missing image), so that counts as a deadline
// exceeded: `decide` rolls back at once instead of waiting out the Canary's deadline.
WorkloadHealth revision_health(const std::optional<json>& revision, const std::string& name) {
  WorkloadHealth health;
  const std::string what = "revision " + name;
  health.exists = revision.has_value();
  if (!revision) {
    health.message = what + " not found";
    return health;
  }
  const auto conditions = revision->value("/status/conditions"_json_pointer, json::array());
  for (const auto& condition : conditions) {
    if (!condition.is_object() || condition.value("type", "") != "Ready") continue;
    const auto status = condition.value("status", "");
    const auto reason = condition.value("reason", "");
    const auto message = condition.value("message", "");
    const auto why = reason + (reason.empty() || message.empty() ? "" : ": ") + message;
    health.ready = status == "True";
    health.deadline_exceeded = status == "False";
    health.message = what +
                     (health.ready               ? " is ready"
                      : health.deadline_exceeded ? " failed"
                                                 : " is not ready yet") +
                     (why.empty() || health.ready ? "" : " (" + why + ")");
    return health;
  }
  health.message = what + " is not ready yet (no Ready condition)";
  return health;
}

}  // namespace

bool is_knative_target(const model::CanarySpec& spec) {
  return spec.target_ref.api_version.rfind("serving.knative.dev/", 0) == 0;
}

std::string knative_primary_revision(const json& service, CanaryPhase phase,
                                     const model::CanaryStatus& status) {
  if (phase == CanaryPhase::Promoting || phase == CanaryPhase::Finalising)
    return status.last_applied_spec;
  if (!initializing(phase) && !status.last_promoted_spec.empty()) return status.last_promoted_spec;
  for (const char* key : {kPrimaryRevision, kFlaggerPrimaryRevision}) {
    auto name = kube::annotation_of(service, key);
    if (!name.empty()) return name;
  }
  return text_at(service, "/status/latestCreatedRevisionName"_json_pointer);
}

std::string observe_knative(const json& service, const RolloutStatus& status,
                            const ReadRevision& read, Observations& seen) {
  const auto phase = status.canary.phase;
  const auto latest_created = text_at(service, "/status/latestCreatedRevisionName"_json_pointer);
  const auto latest_ready = text_at(service, "/status/latestReadyRevisionName"_json_pointer);
  const auto primary = knative_primary_revision(service, phase, status.canary);
  // Before Knative made a first revision there is nothing new to roll out.
  seen.revision = initializing(phase)      ? primary
                  : latest_created.empty() ? status.canary.last_applied_spec
                                           : latest_created;
  seen.primary_promotion_id = kube::annotation_of(service, kPrimaryRevision);
  seen.target_restored = true;  // nothing to restore: Knative scales its revisions itself

  auto health_of = [&](const std::string& name, WorkloadHealth& health) -> std::string {
    if (name.empty()) {
      health.message = "the Knative Service has no revision yet";
      return "";
    }
    auto got = read(name);
    if (!got.error.empty()) return got.error;
    health = revision_health(got.revision, name);
    return "";
  };
  if (auto error = health_of(latest_created, seen.canary); !error.empty()) return error;
  if (auto error = health_of(primary, seen.primary); !error.empty()) return error;

  // The canary serves only once Knative routes to it: its latest created revision is also its
  // latest ready one, and the Service's current generation is reconciled (a template change
  // not yet turned into a revision is not ready either).
  const auto generation = service.value("/metadata/generation"_json_pointer, 0L);
  const auto observed = service.value("/status/observedGeneration"_json_pointer, 0L);
  if (seen.canary.ready && observed < generation) {
    seen.canary.ready = false;
    seen.canary.message = "Knative has not reconciled generation " + std::to_string(generation) +
                          " yet (status.observedGeneration " + std::to_string(observed) + ")";
  } else if (seen.canary.ready && latest_ready != latest_created) {
    seen.canary.ready = false;
    seen.canary.message = "revision " + latest_created +
                          " is not the latest ready revision yet (status.latestReadyRevisionName " +
                          (latest_ready.empty() ? "empty" : latest_ready) + ")";
  }
  return "";
}

}  // namespace veer::controller
