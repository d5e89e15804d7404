#include "operator/dashboard/history.hpp"

#include "base/time_format.hpp"
#include "operator/dashboard/json_fields.hpp"

namespace veer::dashboard {
namespace {

using nlohmann::json;

std::string key(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

}  // namespace

void History::observe(const json& canary, TimePoint now) {
  if (!canary.is_object()) return;
  const auto& meta = object_at(canary, "metadata");
  const auto& status = object_at(canary, "status");
  const auto& evidence = object_at(status, "evidence");
  const auto& rollout = object_at(status, "rollout");

  Sample sample;
  sample.phase = text_at(status, "phase");
  sample.weight = int_at(status, "canaryWeight");
  sample.failed_checks = int_at(status, "failedChecks");
  const auto evidence_time = text_at(evidence, "time");
  const auto step_time = base::parse_time(text_at(rollout, "lastStepTime"));
  sample.time = step_time ? *step_time : now;

  std::lock_guard guard(mutex_);
  auto& entry = entries_[key(text_at(meta, "namespace"), text_at(meta, "name"))];
  auto& samples = entry.record.samples;
  const bool new_look = !evidence_time.empty() && evidence_time != entry.evidence_time;
  if (new_look) {
    entry.evidence_time = evidence_time;
    if (auto t = base::parse_time(evidence_time)) sample.time = std::max(sample.time, *t);
    for (const auto& m : array_at(evidence, "metrics")) {
      const auto& e = object_at(m, "evidence");
      sample.metrics[text_at(m, "name")] = {number_at(e, "value"), number_at(e, "baseline_value"),
                                            number_at(e, "margin"), text_at(m, "verdict")};
    }
  }
  const Sample* last = samples.empty() ? nullptr : &samples.back();
  if (last && !new_look && last->phase == sample.phase && last->weight == sample.weight &&
      last->failed_checks == sample.failed_checks)
    return;
  if (last) sample.time = std::max(sample.time, last->time);  // never backwards
  const auto message = text_at(rollout, "message");
  if (!last || last->phase != sample.phase) {
    if (!sample.phase.empty())
      entry.record.decisions.push_back({sample.time, sample.phase, message, evidence});
  } else if (sample.failed_checks > last->failed_checks) {
    entry.record.decisions.push_back(
        {sample.time, "failed check " + std::to_string(sample.failed_checks), message, evidence});
  }
  samples.push_back(std::move(sample));
  if (samples.size() > max_samples_) samples.erase(samples.begin());
  auto& decisions = entry.record.decisions;
  if (decisions.size() > max_decisions_) decisions.erase(decisions.begin());
}

void History::forget(const std::string& ns, const std::string& name) {
  std::lock_guard guard(mutex_);
  entries_.erase(key(ns, name));
}

RolloutRecord History::record(const std::string& ns, const std::string& name) const {
  std::lock_guard guard(mutex_);
  auto it = entries_.find(key(ns, name));
  return it == entries_.end() ? RolloutRecord{} : it->second.record;
}

}  // namespace veer::dashboard
