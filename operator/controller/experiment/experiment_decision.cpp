#include "operator/controller/experiment/experiment_decision.hpp"

#include <algorithm>

#include "analysis/experiment/allocation.hpp"
#include "analysis/experiment/experiment_config.hpp"
#include "base/clock.hpp"
#include "base/time_format.hpp"
#include "operator/controller/experiment/step_status.hpp"

namespace veer::controller::experiment {

namespace ax = analysis::experiment;
using model::ExperimentPhase;
using std::chrono::milliseconds;

namespace {

const std::string& baseline_of(const model::ExperimentSpec& spec) {
  return spec.baseline.name;
}

Weights all_to(const model::ExperimentSpec& spec, const std::string& version) {
  Weights w;
  for (const auto* v : spec.versions()) w[v->name] = v->name == version ? 100 : 0;
  return w;
}

bool has_gate(const model::ExperimentSpec& spec, model::WebhookType type) {
  return std::any_of(spec.webhooks.begin(), spec.webhooks.end(),
                     [&](const model::CanaryWebhook& hook) { return hook.type == type; });
}

bool is_performance(const model::ExperimentSpec& spec) {
  return spec.strategy.testing_pattern == model::TestingPattern::Performance;
}

// Performance shifts no traffic: veer sets no version any weight.
Weights no_split(const model::ExperimentSpec& spec) {
  Weights w;
  for (const auto* v : spec.versions()) w[v->name] = 0;
  return w;
}

// "running: current=60 one-page=40" (performance: no split to tell).
std::string running_message(const model::ExperimentSpec& spec, const Weights& weights) {
  return is_performance(spec) ? "running: load only, no traffic shift"
                              : "running: " + describe(weights);
}

Weights weights_in(const model::ExperimentStatus& status) {
  Weights w;
  for (const auto& v : status.versions) w[v.name] = v.weight;
  return w;
}

void set_weights(model::ExperimentStatus& status, const model::ExperimentSpec& spec,
                 const Weights& weights) {
  if (status.versions.empty()) {
    for (const auto* v : spec.versions()) {
      model::VersionStatus version;
      version.name = v->name;
      status.versions.push_back(std::move(version));
    }
  }
  for (auto& v : status.versions) {
    auto it = weights.find(v.name);
    v.weight = it == weights.end() ? 0 : it->second;
  }
}

// The versions that must serve: all of them while they take part (a cut-off version serves
// nothing), the baseline alone for conformance.
std::string not_ready(const model::Experiment& e, const ExperimentObservations& observed) {
  const bool conformance = e.spec.strategy.testing_pattern == model::TestingPattern::Conformance;
  for (const auto& v : observed.versions) {
    if (conformance && v.name != baseline_of(e.spec)) continue;
    bool cut_off = false;
    for (const auto& s : e.status.versions) cut_off |= s.name == v.name && s.cut_off;
    if (cut_off) continue;
    if (!v.health.exists) return "the Deployment of version " + v.name + " does not exist";
    if (!v.health.ready)
      return "version " + v.name + " is not ready" +
             (v.health.message.empty() ? "" : " (" + v.health.message + ")");
  }
  return "";
}

std::optional<TimePoint> parsed(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return base::parse_time(text);
}

std::string look_name(std::int32_t look, std::int32_t iterations) {
  return "look " + std::to_string(look) + " of " + std::to_string(iterations);
}

}  // namespace

bool is_finished(ExperimentPhase phase) {
  return phase == ExperimentPhase::Completed || phase == ExperimentPhase::Failed ||
         phase == ExperimentPhase::Aborted;
}

std::string describe(const Weights& weights) {
  std::string out;
  for (const auto& [name, weight] : weights)
    out += (out.empty() ? "" : " ") + name + "=" + std::to_string(weight);
  return out;
}

Weights final_weights(const model::ExperimentSpec& spec, const model::ExperimentStatus& status,
                      bool baseline_runs_winner, bool baseline_ready) {
  if (is_performance(spec)) return no_split(spec);
  const auto& winner = status.winner;
  if (status.phase != ExperimentPhase::Completed || winner.empty() || winner == baseline_of(spec))
    return all_to(spec, baseline_of(spec));
  // Without promotion the winner keeps the traffic (the user promotes it). With promotion it
  // keeps it until the baseline serves the winner's template.
  if (spec.promote_winner && baseline_runs_winner && baseline_ready)
    return all_to(spec, baseline_of(spec));
  return all_to(spec, winner);
}

Weights initial_weights(const model::Experiment& e) {
  if (is_performance(e.spec)) return no_split(e.spec);
  if (e.spec.strategy.testing_pattern == model::TestingPattern::Conformance)
    return all_to(e.spec, baseline_of(e.spec));
  const auto config = ax::allocation_config(e.spec, e.metadata.uid);
  ax::AllocationInput input;
  input.iteration = 0;
  for (std::size_t i = 0; i < config.versions.size(); ++i) input.reward.push_back({});
  const auto weights = ax::allocate(config, input);
  Weights out;
  for (std::size_t i = 0; i < weights.size(); ++i) out[config.versions[i]] = weights[i];
  return out;
}

ExperimentDecision decide_experiment(const model::Experiment& e,
                                     const ExperimentObservations& observed, TimePoint now,
                                     const ExperimentDecideSettings& settings) {
  const auto& spec = e.spec;
  ExperimentDecision d;
  d.status = e.status;
  auto& s = d.status;
  s.observed_generation = e.metadata.generation;
  const bool conformance = spec.strategy.testing_pattern == model::TestingPattern::Conformance;
  const bool performance = is_performance(spec);
  // Conformance routes nothing: the baseline keeps the traffic the user's routing gives it.
  // Performance routes nothing either; its SetRoutes (all weights 0) keeps the version Services
  // the load is aimed at.
  auto route = [&](const Weights& weights) {
    if (!conformance) d.actions.push_back({ExperimentActionKind::SetRoutes, weights, ""});
  };
  const auto interval = std::max(spec.duration.interval, settings.min_interval);
  const auto baseline_ready = [&] {
    for (const auto& v : observed.versions)
      if (v.name == baseline_of(spec)) return v.health.ready;
    return false;
  };

  // An Event that is also an alert (spec.alerts): the start, a gate holding, a cut-off, the end.
  auto tell = [&](model::AlertSeverity severity, Event event) {
    d.alerts.push_back({severity, event.message});
    d.events.push_back(std::move(event));
  };
  // Asks for a gate's answer: nothing else is decided on this call.
  auto ask = [&](model::WebhookType type) {
    ExperimentDecision asking;
    asking.status = e.status;
    asking.needs_gate = type;
    return asking;
  };

  if (is_finished(s.phase)) {
    bool promoting = s.phase == ExperimentPhase::Completed && spec.promote_winner &&
                     !s.winner.empty() && s.winner != baseline_of(spec);
    bool held = false;
    if (promoting && !observed.baseline_runs_winner &&
        has_gate(spec, model::WebhookType::ConfirmPromotion)) {
      const auto gate = observed.gates.find(model::WebhookType::ConfirmPromotion);
      if (gate == observed.gates.end()) return ask(model::WebhookType::ConfirmPromotion);
      const auto waits = "winner " + s.winner + ": its promotion waits for confirm-promotion";
      if (!gate->second.passed) {
        // Held: the winner keeps the traffic until the gate opens.
        const auto message = waits + ": " + gate->second.message;
        if (s.message != message)
          tell(model::AlertSeverity::Info, {false, "Experiment " + message});
        s.message = message;
        promoting = false;
        held = true;
      } else if (s.message.rfind("winner " + s.winner + ": promoting", 0) != 0) {
        s.message = "winner " + s.winner + ": promoting (confirm-promotion passed)";
        d.events.push_back({false, "Promoting " + s.winner + ": confirm-promotion passed; its " +
                                       "pod template goes into " + spec.baseline.target_ref.name});
      }
    }
    if (promoting) d.actions.push_back({ExperimentActionKind::PromoteWinner, {}, s.winner});
    const auto weights = final_weights(spec, s, observed.baseline_runs_winner, baseline_ready());
    const auto before = weights_in(s);
    const auto was = before.find(baseline_of(spec));
    if (promoting && weights.at(baseline_of(spec)) == 100 &&
        (was == before.end() || was->second != 100))
      tell(model::AlertSeverity::Info,
           {false, "Promotion of " + s.winner + " done: baseline " + baseline_of(spec) +
                       " runs its pod template and serves " + "all traffic"});
    set_weights(s, spec, weights);
    route(weights);
    if (held || (promoting && weights.at(baseline_of(spec)) != 100))
      d.requeue_after = settings.poll_interval;
    return d;
  }

  const auto baseline_only = performance ? no_split(spec) : all_to(spec, baseline_of(spec));
  if (s.phase == ExperimentPhase::Pending) {
    s.phase = ExperimentPhase::Initializing;
    s.start_time = base::format_time(now);
    s.versions.clear();
    set_weights(s, spec, baseline_only);
    tell(model::AlertSeverity::Info,
         {false,
          "Experiment started: " + std::string(model::to_string(spec.strategy.testing_pattern)) +
              " with " + std::to_string(spec.candidates.size()) + " candidate(s), " +
              (performance ? std::string("load only, no traffic shift")
                           : std::string(model::to_string(spec.strategy.traffic)) + " traffic")});
  }

  if (auto waiting = not_ready(e, observed); !waiting.empty()) {
    if (s.message != "waiting: " + waiting) {
      s.message = "waiting: " + waiting;
      d.events.push_back({false, "Experiment waiting: " + waiting});
    }
    route(s.phase == ExperimentPhase::Initializing ? baseline_only : weights_in(s));
    d.requeue_after = settings.poll_interval;
    return d;
  }

  if (s.phase == ExperimentPhase::Initializing &&
      has_gate(spec, model::WebhookType::ConfirmRollout)) {
    const auto gate = observed.gates.find(model::WebhookType::ConfirmRollout);
    if (gate == observed.gates.end()) return ask(model::WebhookType::ConfirmRollout);
    if (!gate->second.passed) {
      const auto message = "waiting for confirm-rollout to start: " + gate->second.message;
      if (s.message != message) tell(model::AlertSeverity::Info, {false, "Experiment " + message});
      s.message = message;
      route(baseline_only);
      d.requeue_after = settings.poll_interval;
      return d;
    }
  }

  if (s.phase == ExperimentPhase::Initializing) {
    const auto weights = initial_weights(e);
    s.phase = ExperimentPhase::Running;
    s.last_update_time = base::format_time(now);
    s.message = running_message(spec, weights);
    set_weights(s, spec, weights);
    d.events.push_back({false, performance ? "All versions ready; measuring them under load"
                                           : "All versions ready; routing " + describe(weights)});
    route(weights);
    d.requeue_after = interval;
    return d;
  }

  // Running on routes the router has not applied: the traffic since is not the split veer set,
  // so it is not counted; the window restarts at each pass until the router has applied them.
  const std::string router_wait = "waiting for the router: ";
  if (!observed.routes_pending.empty()) {
    const auto message = router_wait + observed.routes_pending;
    if (s.message != message) d.events.push_back({false, "Experiment " + message});
    s.message = message;
    s.last_update_time = base::format_time(now);
    route(weights_in(s));
    d.requeue_after = settings.poll_interval;
    return d;
  }
  if (s.message.rfind(router_wait, 0) == 0) s.message = running_message(spec, weights_in(s));

  // Running: a look once the interval since the previous one has passed.
  const auto last = parsed(s.last_update_time).value_or(now - interval);
  if (now < last + interval) {
    route(weights_in(s));
    d.requeue_after = base::requeue_delay(last + interval - now);
    return d;
  }
  if (!observed.step && observed.step_error.empty()) {
    d = ExperimentDecision{};
    d.status = e.status;
    d.needs_step = true;
    return d;
  }
  const auto look = look_name(s.completed_iterations + 1, spec.duration.iterations);
  if (!observed.step) {
    // Metrics unreadable: no look. The next one counts from the previous look's end, so
    // nothing is lost; the traffic stays as it is.
    const auto message = "holding: " + look + " could not be taken: " + observed.step_error;
    if (s.message != message) d.events.push_back({true, message});
    s.message = message;
    route(weights_in(s));
    d.requeue_after = interval;
    return d;
  }

  const auto& step = *observed.step;
  const auto& assessment = step.assessment;
  s.evidence = step.evidence;
  s.completed_iterations = assessment.state.looks;
  s.last_update_time = base::format_time(now);
  s.versions = versions_after_step(spec, step, observed.counts);
  const auto why = assessment.reason.empty() ? "" : ": " + assessment.reason;
  switch (assessment.verdict) {
    case ax::Verdict::Continue:
    case ax::Verdict::CutOff: {
      s.message =
          performance ? "running: " + assessment.reason : "running: " + describe(step.weights);
      if (assessment.verdict == ax::Verdict::CutOff) {
        std::string names;
        for (const auto& v : assessment.cut_off) names += (names.empty() ? "" : ", ") + v;
        tell(model::AlertSeverity::Warn,
             {true, "Experiment " + look + (performance ? ": missed objectives: " : ": cut off ") +
                        names + why});
      }
      d.events.push_back({false, "Experiment " + look +
                                     (performance ? why : ": routing " + describe(step.weights))});
      route(step.weights);
      d.requeue_after = interval;
      return d;
    }
    case ax::Verdict::Winner:
      s.phase = ExperimentPhase::Completed;
      s.winner = assessment.winner;
      s.message = "winner " + s.winner + why;
      tell(model::AlertSeverity::Info,
           {false, "Experiment completed at " + look + ": winner " + s.winner + why});
      // A gated promotion is asked for on the next pass (the finished phase's).
      if (spec.promote_winner && s.winner != baseline_of(spec) &&
          !has_gate(spec, model::WebhookType::ConfirmPromotion)) {
        d.actions.push_back({ExperimentActionKind::PromoteWinner, {}, s.winner});
        d.events.push_back({false, "Promoting " + s.winner + ": its pod template goes into " +
                                       spec.baseline.target_ref.name});
      }
      break;
    case ax::Verdict::Abort:
      s.phase = ExperimentPhase::Aborted;
      s.message = "aborted" + why;
      tell(model::AlertSeverity::Error,
           {true, "Experiment aborted at " + look + why +
                      (performance ? "" : "; all traffic back to " + baseline_of(spec))});
      break;
    case ax::Verdict::Met:
      s.phase = ExperimentPhase::Completed;
      s.message = "objectives met" + why;
      tell(model::AlertSeverity::Info, {false, "Experiment completed at " + look + why});
      break;
    case ax::Verdict::Missed:
      s.phase = ExperimentPhase::Failed;
      s.message = "objectives missed" + why;
      tell(model::AlertSeverity::Error, {true, "Experiment failed at " + look + why});
      break;
    case ax::Verdict::NoWinner:
      s.phase = ExperimentPhase::Failed;
      s.message = "no winner" + why;
      tell(model::AlertSeverity::Error,
           {true, "Experiment ended without a winner at " + look + why + "; all traffic back to " +
                      baseline_of(spec)});
      break;
  }
  const auto weights = final_weights(spec, s, false, false);
  set_weights(s, spec, weights);
  route(weights);
  if (s.phase == ExperimentPhase::Completed && spec.promote_winner && s.winner != baseline_of(spec))
    d.requeue_after = settings.poll_interval;
  return d;
}

}  // namespace veer::controller::experiment
