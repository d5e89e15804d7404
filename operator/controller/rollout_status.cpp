#include "operator/controller/rollout_status.hpp"

namespace veer::controller {

using nlohmann::json;

namespace {

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool boolean(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

int integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// Go's `omitempty`: a kube-apiserver turns "" in a custom resource into null and then rejects
// it against the schema, so empty strings are never written (reading treats absent as "").
void omit_empty_strings(json& value) {
  if (value.is_array()) {
    for (auto& item : value) omit_empty_strings(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto it = value.begin(); it != value.end();) {
    if (it->is_string() && it->get_ref<const std::string&>().empty()) {
      it = value.erase(it);
    } else {
      omit_empty_strings(*it);
      ++it;
    }
  }
}

}  // namespace

json to_json(const RolloutStatus& status) {
  json out = model::to_json(status.canary);
  const auto& p = status.progress;
  json rollout = json::object();
  auto set_text = [&](const char* key, const std::string& value) {
    if (!value.empty()) rollout[key] = value;
  };
  set_text("lastStepTime", p.last_step_time);
  set_text("startedTime", p.started_time);
  set_text("canaryUnreadySince", p.canary_unready_since);
  set_text("primaryUnreadySince", p.primary_unready_since);
  if (p.pre_rollout_passed) rollout["preRolloutPassed"] = true;
  if (p.mirror_step_done) rollout["mirrorStepDone"] = true;
  set_text("waitingFor", p.waiting_for);
  set_text("message", p.message);
  set_text("holdStarted", p.hold_started);
  if (p.held_seconds) rollout["heldSeconds"] = p.held_seconds;
  if (p.no_data_looks) rollout["noDataLooks"] = p.no_data_looks;
  if (p.hold_expired) rollout["holdExpired"] = true;
  if (!p.handled_gates.empty()) rollout["handledGates"] = p.handled_gates;
  set_text("router", p.router);
  if (!p.history.empty()) {
    json history = json::array();
    for (const auto& step : p.history) {
      history.push_back({{"time", step.time},
                         {"phase", step.phase},
                         {"weight", step.weight},
                         {"iteration", step.iteration},
                         {"note", step.note}});
    }
    rollout["history"] = history;
  }
  out["rollout"] = rollout;
  omit_empty_strings(out);
  return out;
}

RolloutStatus rollout_status_from_json(const json& status) {
  RolloutStatus out;
  if (!status.is_object()) return out;
  out.canary = model::parse_canary_status(status).value;
  auto it = status.find("rollout");
  if (it == status.end() || !it->is_object()) return out;
  const auto& r = *it;
  auto& p = out.progress;
  p.last_step_time = text(r, "lastStepTime");
  p.started_time = text(r, "startedTime");
  p.canary_unready_since = text(r, "canaryUnreadySince");
  p.primary_unready_since = text(r, "primaryUnreadySince");
  p.pre_rollout_passed = boolean(r, "preRolloutPassed");
  p.mirror_step_done = boolean(r, "mirrorStepDone");
  p.waiting_for = text(r, "waitingFor");
  p.message = text(r, "message");
  p.hold_started = text(r, "holdStarted");
  p.held_seconds = integer(r, "heldSeconds");
  p.no_data_looks = integer(r, "noDataLooks");
  p.hold_expired = boolean(r, "holdExpired");
  p.router = text(r, "router");
  if (r.contains("handledGates") && r["handledGates"].is_object()) {
    for (const auto& [gate, id] : r["handledGates"].items()) {
      if (id.is_string()) p.handled_gates[gate] = id.get<std::string>();
    }
  }
  if (r.contains("history") && r["history"].is_array()) {
    for (const auto& step : r["history"]) {
      if (!step.is_object()) continue;
      p.history.push_back({text(step, "time"), text(step, "phase"), integer(step, "weight"),
                           integer(step, "iteration"), text(step, "note")});
    }
  }
  return out;
}

void append_history(RolloutProgress& progress, StepRecord record) {
  progress.history.push_back(std::move(record));
  if (progress.history.size() > kHistoryLength) {
    progress.history.erase(progress.history.begin(),
                           progress.history.end() - static_cast<long>(kHistoryLength));
  }
}

}  // namespace veer::controller
