#include "operator/dashboard/history.hpp"

#include <algorithm>

#include "base/time_format.hpp"
#include "operator/dashboard/json_fields.hpp"

namespace veer::dashboard {
namespace {

using nlohmann::json;

std::string key(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

template <typename T>
void keep_last(std::vector<T>& items, std::size_t limit) {
  if (items.size() > limit) items.erase(items.begin());
}

// Each version's weight (status.versions) and reward (the last look's status.evidence).
std::map<std::string, VersionSample> versions_of(const json& status) {
  std::map<std::string, VersionSample> out;
  for (const auto& v : array_at(status, "versions"))
    out[text_at(v, "name")].weight = int_at(v, "weight");
  for (const auto& v : array_at(object_at(status, "evidence"), "versions")) {
    const auto& reward = object_at(v, "reward");
    if (reward.empty()) continue;
    auto& sample = out[text_at(v, "name")];
    const auto events = number_at(reward, "events"), trials = number_at(reward, "trials");
    if (events && trials && *trials > 0) sample.reward = *events / *trials;
    const auto& interval = array_at(reward, "interval");
    if (interval.size() == 2 && interval[0].is_number() && interval[1].is_number()) {
      sample.reward_low = interval[0].get<double>();
      sample.reward_high = interval[1].get<double>();
    }
    sample.probability_best = number_at(reward, "probabilityBest");
  }
  return out;
}

// The evidence a decision was taken on, without the resumable state (large, and not evidence).
json evidence_then(const json& status) {
  auto evidence = object_at(status, "evidence");
  evidence.erase("state");
  return evidence;
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
  keep_last(samples, max_samples_);
  keep_last(entry.record.decisions, max_decisions_);
}

void History::observe_experiment(const json& experiment, TimePoint now) {
  if (!experiment.is_object()) return;
  const auto& meta = object_at(experiment, "metadata");
  const auto& status = object_at(experiment, "status");
  if (status.empty()) return;
  ExperimentSample sample;
  sample.phase = text_at(status, "phase");
  sample.looks = int_at(status, "completedIterations");
  sample.versions = versions_of(status);
  const auto look_time = base::parse_time(text_at(status, "lastUpdateTime"));
  sample.time = look_time ? *look_time : now;

  std::lock_guard guard(mutex_);
  auto& record = experiments_[key(text_at(meta, "namespace"), text_at(meta, "name"))];
  const ExperimentSample* last = record.samples.empty() ? nullptr : &record.samples.back();
  auto weights = [](const ExperimentSample& s) {
    std::map<std::string, int> out;
    for (const auto& [name, v] : s.versions) out[name] = v.weight;
    return out;
  };
  if (last && last->phase == sample.phase && last->looks == sample.looks &&
      weights(*last) == weights(sample))
    return;
  if (last) sample.time = std::max(sample.time, last->time);  // never backwards
  const auto message = text_at(status, "message");
  if ((!last || last->phase != sample.phase) && !sample.phase.empty())
    record.decisions.push_back({sample.time, sample.phase, message, evidence_then(status)});
  for (const auto& v : array_at(status, "versions")) {
    const auto name = text_at(v, "name");
    const bool cut = v.contains("cutOff") && v["cutOff"] == true;
    auto before = std::find_if(record.decisions.begin(), record.decisions.end(),
                               [&](const Decision& d) { return d.label == "cut off " + name; });
    if (cut && before == record.decisions.end())
      record.decisions.push_back({sample.time, "cut off " + name, message, evidence_then(status)});
  }
  record.samples.push_back(std::move(sample));
  keep_last(record.samples, max_samples_);
  keep_last(record.decisions, max_decisions_);
}

void History::forget_experiment(const std::string& ns, const std::string& name) {
  std::lock_guard guard(mutex_);
  experiments_.erase(key(ns, name));
}

ExperimentRecord History::experiment_record(const std::string& ns, const std::string& name) const {
  std::lock_guard guard(mutex_);
  auto it = experiments_.find(key(ns, name));
  return it == experiments_.end() ? ExperimentRecord{} : it->second;
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
