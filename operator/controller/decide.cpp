#include <algorithm>
#include <string>

#include "base/clock.hpp"
#include "base/time_format.hpp"
#include "model/duration.hpp"
#include "operator/controller/decision.hpp"
#include "operator/controller/knative_target.hpp"

namespace veer::controller {

using model::AlertSeverity;
using model::CanaryPhase;
using model::DeploymentStrategy;
using model::WebhookType;
using std::chrono::milliseconds;

bool is_active_phase(CanaryPhase phase) {
  return phase == CanaryPhase::Progressing || phase == CanaryPhase::WaitingPromotion ||
         phase == CanaryPhase::Promoting || phase == CanaryPhase::Finalising;
}

namespace {

// Returned by a step when it cannot go on without a check result (see Needs).
struct NeedMore {};

class Decider {
 public:
  Decider(const model::Canary& canary, const RolloutStatus& status, const Observations& observed,
          TimePoint now, const DecideSettings& settings)
      : canary_(canary), spec_(canary.spec), seen_(observed), now_(now), settings_(settings) {
    d_.status = status;
  }

  Decision run() {
    const RolloutStatus before = d_.status;
    try {
      dispatch();
    } catch (const NeedMore&) {
      Decision waiting;
      waiting.status = before;
      waiting.needs = d_.needs;
      return waiting;
    }
    assert_steady_state();
    come_back_while_under_way();
    return std::move(d_);
  }

 private:
  model::CanaryStatus& st() { return d_.status.canary; }
  const model::CanaryStatus& st() const { return d_.status.canary; }
  RolloutProgress& pg() { return d_.status.progress; }
  std::string name() const { return canary_.metadata.name + "." + canary_.metadata.namespace_; }
  std::string target() const { return spec_.target_ref.name + "." + canary_.metadata.namespace_; }
  // A Knative target has no copy of veer's and nothing veer scales: its canary and its primary
  // are revisions of the Service (knative_target.hpp), and the messages name them.
  bool knative() const { return is_knative_target(spec_); }
  std::string revision_of_target(const std::string& revision) const {
    return (revision.empty() ? std::string("the latest revision") : "revision " + revision) +
           " of " + target();
  }
  // The primary as messages name it: the <target>-primary copy, or the Knative revision that
  // serves as primary (`revision`).
  std::string primary(const std::string& revision) const {
    if (knative()) return revision_of_target(revision);
    return spec_.target_ref.name + "-primary." + canary_.metadata.namespace_;
  }
  milliseconds interval() const {
    auto configured = spec_.analysis ? spec_.analysis->interval : milliseconds(60'000);
    return std::max(configured, settings_.min_interval);
  }
  // What a step records as its time: when it fell due (the last step's time plus the interval),
  // so that a step done a little late (a busy queue, a slow metrics query) does not push every
  // later step back and the cadence stays one interval; now when there was no step yet or it is
  // an interval or more overdue (veer was down or far behind), so missed steps never run back
  // to back.
  std::string step_time() const {
    if (auto last = base::parse_time(d_.status.progress.last_step_time)) {
      const auto due = *last + interval();
      if (now_ >= due && now_ - due < interval()) return base::format_time(due);
    }
    return base::format_time(now_);
  }
  // Until the next step falls due, after one was recorded at `step_time()`.
  base::Clock::Duration until_next_step() const {
    auto last = base::parse_time(d_.status.progress.last_step_time).value_or(now_);
    return last + interval() - now_;
  }
  std::string provider() const {
    return spec_.provider.empty() ? settings_.default_provider : spec_.provider;
  }
  DeploymentStrategy strategy() const { return spec_.strategy(settings_.default_provider); }
  // Provider kubernetes runs every Canary blue/green (it cannot split traffic). One written with
  // weight steps and no iterations gets an analysed iteration per step: without, it would be
  // promoted on its first step, never analysed.
  int iterations_wanted() const {
    if (!spec_.analysis) return 0;
    const auto& a = *spec_.analysis;
    if (a.iterations > 0 || strategy() != DeploymentStrategy::BlueGreen) return a.iterations;
    if (!a.step_weights.empty()) return static_cast<int>(a.step_weights.size());
    if (a.step_weight > 0) return (spec_.max_weight() + a.step_weight - 1) / a.step_weight;
    return 1;
  }
  int threshold() const { return spec_.analysis ? std::max(1, spec_.analysis->threshold) : 1; }
  milliseconds max_hold() const {
    return spec_.analysis && spec_.analysis->max_hold ? *spec_.analysis->max_hold
                                                      : model::kDefaultMaxHold;
  }
  int max_no_data() const {
    if (spec_.analysis && spec_.analysis->max_no_data) return *spec_.analysis->max_no_data;
    return std::max(threshold(), 5);
  }

  void event(bool warning, std::string message) {
    d_.events.push_back({warning, std::move(message), false});
  }
  // An event the status already records (Event::step): no Kubernetes Event is written for it.
  void step_event(std::string message) { d_.events.push_back({false, std::move(message), true}); }
  void alert(AlertSeverity severity, std::string message) {
    d_.alerts.push_back({severity, std::move(message)});
  }
  void requeue(base::Clock::Duration after, bool poll = false) {
    const auto ms = base::requeue_delay(after);
    if (d_.requeue_after.count() == 0 || ms < d_.requeue_after) {
      d_.requeue_after = ms;
      d_.requeue_is_poll = poll;
    }
  }
  // A look again while a workload becomes ready: its watch events bring the pass too.
  void poll(base::Clock::Duration after) { requeue(after, true); }
  void note(const std::string& text) {
    append_history(pg(), {base::format_time(now_), std::string(model::to_string(st().phase)),
                          st().canary_weight, st().iterations, text});
  }
  // Says what the rollout waits for; an event only when that changes (no event every tick). A
  // wait for a workload veer itself just changed is a step (Event::step), and keeps the message
  // it began with while it lasts: a message that followed the replica count would cost a status
  // write per replica (issue 19); the deadline's rollback message says the count it ended with.
  void wait_for(const std::string& what, const std::string& message, bool warning,
                bool step = false) {
    if (step && pg().waiting_for == what) return;
    if (pg().waiting_for != what || pg().message != message)
      d_.events.push_back({warning, message, step});
    pg().waiting_for = what;
    pg().message = message;
  }
  void clear_wait() { pg().waiting_for.clear(); }
  bool waiting_for_workload() const {
    return pg_const().waiting_for == "canary" || pg_const().waiting_for == "primary";
  }
  // The workload is ready: its wait and the message it began with are over.
  void end_workload_wait() {
    if (!waiting_for_workload()) return;
    clear_wait();
    pg().message.clear();
  }

  void set_phase(CanaryPhase phase, const std::string& message = "") {
    auto& s = st();
    if (s.phase != phase) s.last_transition_time = base::format_time(now_);
    s.phase = phase;
    if (phase != CanaryPhase::Progressing && phase != CanaryPhase::Waiting &&
        phase != CanaryPhase::Promoting && phase != CanaryPhase::WaitingPromotion &&
        phase != CanaryPhase::Finalising) {
      s.iterations = 0;
    }
    const char* condition_status = "Unknown";
    if (phase == CanaryPhase::Initialized || phase == CanaryPhase::Succeeded)
      condition_status = "True";
    if (phase == CanaryPhase::Failed) condition_status = "False";
    model::Condition* promoted = nullptr;
    for (auto& c : s.conditions) {
      if (c.type == "Promoted") promoted = &c;
    }
    if (!promoted) {
      s.conditions.push_back({"Promoted", "", "", "", "", ""});
      promoted = &s.conditions.back();
    }
    const std::string reason(model::to_string(phase));
    if (promoted->status != condition_status || promoted->reason != reason) {
      promoted->last_transition_time = base::format_time(now_);
      promoted->last_update_time = base::format_time(now_);
    }
    promoted->status = condition_status;
    promoted->reason = reason;
    if (!message.empty()) promoted->message = message;
  }

  // --- checks -------------------------------------------------------------------------------

  bool has_hooks(WebhookType type) const {
    if (!spec_.analysis) return false;
    return std::any_of(spec_.analysis->webhooks.begin(), spec_.analysis->webhooks.end(),
                       [&](const auto& hook) { return hook.type == type; });
  }
  // The result of the hooks of `type`; passes when there are none; asks for it when unknown.
  HookResult hook(WebhookType type) {
    if (!has_hooks(type)) return {};
    auto it = seen_.hooks.find(type);
    if (it != seen_.hooks.end()) return it->second;
    d_.needs.hooks.insert(type);
    throw NeedMore{};
  }
  bool has_metrics() const { return spec_.analysis && !spec_.analysis->metrics.empty(); }
  AnalysisResult analysis() {
    if (!has_metrics()) return {};
    if (seen_.analysis) return *seen_.analysis;
    d_.needs.analysis = true;
    throw NeedMore{};
  }
  bool early_promotion_allowed() const {
    if (!spec_.analysis) return false;
    return std::any_of(spec_.analysis->metrics.begin(), spec_.analysis->metrics.end(),
                       [](const auto& m) { return m.comparison && m.comparison->early_promotion; });
  }

  // --- gates --------------------------------------------------------------------------------

  // A gate request not yet acted on; acting marks it handled.
  bool take_gate(const std::string& gate, const std::string& id) {
    if (id.empty() || pg().handled_gates[gate] == id) {
      if (id.empty()) pg().handled_gates.erase(gate);
      return false;
    }
    pg().handled_gates[gate] = id;
    return true;
  }
  void ignore_gate(const std::string& gate, const std::string& id, const std::string& why) {
    if (take_gate(gate, id)) event(false, "Ignoring veer " + gate + " for " + name() + ": " + why);
  }

  // --- the machine --------------------------------------------------------------------------

  void dispatch() {
    if (seen_.deleting) return terminate();
    if (spec_.revert_on_deletion && !seen_.has_finalizer)
      d_.actions.push_back({ActionKind::AddFinalizer, {}});
    if (!spec_.revert_on_deletion && seen_.has_finalizer)
      d_.actions.push_back({ActionKind::RemoveFinalizer, {}});
    if (spec_.suspend) {
      pg().message = "suspended (spec.suspend)";
      pg().canary_unready_since.clear();  // the deadline clock stops too (restarts on resume)
      if (waiting_for_workload()) clear_wait();  // so resuming says what it waits for again
      pause_hold();
      return;
    }
    switch (st().phase) {
      case CanaryPhase::None:
      case CanaryPhase::Initializing:
        return initialize();
      case CanaryPhase::Initialized:
      case CanaryPhase::Succeeded:
      case CanaryPhase::Failed:
      case CanaryPhase::Waiting:
        return idle();
      case CanaryPhase::Progressing:
      case CanaryPhase::WaitingPromotion:
        return progress();
      case CanaryPhase::Promoting:
      case CanaryPhase::Finalising:
        return promoting();
      case CanaryPhase::Terminating:
      case CanaryPhase::Terminated:
        return;  // only reached when deletion was cancelled; nothing to do
    }
  }

  void initialize() {
    if (st().phase == CanaryPhase::None) set_phase(CanaryPhase::Initializing);
    // skipAnalysis skips the analysis, not the primary: the target is scaled down and the apex
    // moved only once a ready primary serves its traffic.
    if (!seen_.primary.ready) {
      // While initializing, a Knative target's revision is its primary revision.
      wait_for("primary",
               "Waiting for " + primary(seen_.revision) + " to be ready: " +
                   (seen_.primary.exists ? seen_.primary.message : "not created yet"),
               false);
      poll(settings_.poll_interval);
      return;
    }
    clear_wait();
    pg().message.clear();
    st().last_applied_spec = seen_.revision;
    st().last_promoted_spec = seen_.revision;
    st().tracked_configs = seen_.tracked_configs;
    st().canary_weight = 0;
    set_phase(CanaryPhase::Initialized);
    event(false, "Initialization done! " + name());
    alert(AlertSeverity::Info, "New Deployment detected, initialization completed.");
  }

  bool is_new_revision() const {
    return seen_.revision != st().last_applied_spec && seen_.revision != st().last_promoted_spec;
  }

  void idle() {
    const auto& gates = seen_.gates;
    const bool retry = st().phase == CanaryPhase::Failed && take_gate("retry", gates.retry);
    if (st().phase != CanaryPhase::Failed) ignore_gate("retry", gates.retry, "it has not failed");
    if (!is_new_revision() && !retry) {
      if (st().phase == CanaryPhase::Waiting) {  // the waiting revision was reverted
        clear_wait();
        pg().message = "Revision reverted before its rollout started";
        set_phase(st().last_promoted_spec.empty() ? CanaryPhase::Initialized
                                                  : CanaryPhase::Succeeded);
        event(false, pg().message + ": " + name());
      }
      ignore_gate("promote", gates.promote, "no rollout is running");
      ignore_gate("abort", gates.abort, "no rollout is running");
      return;
    }
    if (retry) event(false, "Retrying the failed revision of " + name() + " (veer retry)");
    if (take_gate("abort", gates.abort)) {
      st().last_applied_spec = seen_.revision;
      return rollback("aborted by veer abort before the rollout started");
    }
    if (!seen_.rollout_slot_free) {
      set_phase(CanaryPhase::Waiting);
      wait_for("rollout slot", "Waiting for a rollout slot: " + seen_.slot_message, false);
      requeue(interval());
      return;
    }
    auto confirm = hook(WebhookType::ConfirmRollout);
    if (!confirm.passed) {
      const bool entering = pg().waiting_for != "confirm-rollout";
      set_phase(CanaryPhase::Waiting);
      wait_for("confirm-rollout", "Waiting for approval: " + confirm.message, false);
      if (entering && !confirm.mute_alert)
        alert(AlertSeverity::Warn, "Canary is waiting for approval.");
      requeue(interval());
      return;
    }
    ignore_gate("promote", gates.promote, "the rollout has not started yet");
    event(false,
          "New revision detected! " + (knative() ? "Testing " + revision_of_target(seen_.revision)
                                                 : "Scaling up " + target()));
    alert(AlertSeverity::Info, "New revision detected, progressing canary analysis.");
    start_run();
  }

  void start_run() {
    auto& s = st();
    s.last_applied_spec = seen_.revision;
    s.tracked_configs = seen_.tracked_configs;
    s.canary_weight = 0;
    s.iterations = 0;
    s.failed_checks = 0;
    s.evidence = nlohmann::json::object();
    if (spec_.analysis && spec_.analysis->session_affinity) {
      // A fresh cookie per revision, derived from the revision so a restart picks the same one.
      if (!s.session_affinity_cookie.empty())
        s.previous_session_affinity_cookie = s.session_affinity_cookie;
      s.session_affinity_cookie = meshes::make_session_cookie(
          spec_.analysis->session_affinity->cookie_name, std::hash<std::string>{}(seen_.revision));
    }
    auto gates = pg().handled_gates;
    auto router = pg().router;  // the routes outlive a run
    pg() = RolloutProgress{};
    pg().handled_gates = gates;
    pg().router = router;
    pg().started_time = base::format_time(now_);
    set_phase(CanaryPhase::Progressing);
    note("started revision " + seen_.revision);
    // The scale-up goes out on this pass, so the wait for the canary starts now: the passes the
    // scale-up's watch events start meanwhile find nothing to change and write nothing.
    pg().canary_unready_since = base::format_time(now_);
    wait_for("canary", "Waiting for " + target() + " to be ready: the new revision starts", false,
             true);
    poll(settings_.poll_interval);
  }

  // The run's traffic is back on the primary: its cookie becomes the one routers expire
  // (Max-Age=-1), as Flagger does once the canary weight is 0.
  void end_session() {
    auto& s = st();
    if (s.session_affinity_cookie.empty()) return;
    s.previous_session_affinity_cookie = s.session_affinity_cookie;
    s.session_affinity_cookie.clear();
  }

  void rollback(const std::string& reason) {
    auto& s = st();
    s.canary_weight = 0;
    end_session();
    clear_wait();
    pg().message = reason;
    set_phase(CanaryPhase::Failed, reason);
    note("rolled back: " + reason);
    event(true, "Rolling back " + name() + ": " + reason);
    // The same change as the line above.
    step_event("Canary failed! " + (knative()
                                        ? "All traffic back on " + primary(st().last_promoted_spec)
                                        : "Scaling down " + target()));
    alert(AlertSeverity::Error, "Canary " + name() + " rolled back: " + reason);
    d_.actions.push_back({ActionKind::RunPostRolloutHooks, {}});
    d_.run_end = RunEnd::Failed;
  }

  // Holds the canary until it is ready; rolls back when it stays unready past the deadline.
  // Returns true when ready.
  bool canary_ready() {
    if (seen_.canary.deadline_exceeded) {
      rollback("Progress deadline exceeded: " + target() + " " + seen_.canary.message);
      return false;
    }
    if (seen_.canary.ready) {
      pg().canary_unready_since.clear();
      end_workload_wait();
      return true;
    }
    if (pg().canary_unready_since.empty()) pg().canary_unready_since = base::format_time(now_);
    auto since = base::parse_time(pg().canary_unready_since).value_or(now_);
    const auto deadline = std::chrono::seconds(spec_.progress_deadline_seconds);
    if (now_ - since >= deadline) {
      rollback("Progress deadline exceeded: " + target() + " not ready for " +
               std::to_string(spec_.progress_deadline_seconds) + "s (" + seen_.canary.message +
               ")");
      return false;
    }
    wait_for("canary", "Waiting for " + target() + " to be ready: " + seen_.canary.message, false,
             true);
    poll(std::min<base::Clock::Duration>(settings_.poll_interval, deadline - (now_ - since)));
    return false;
  }

  void progress() {
    const auto& gates = seen_.gates;
    if (seen_.revision != st().last_applied_spec) {
      if (seen_.revision == st().last_promoted_spec) {
        st().last_applied_spec = seen_.revision;
        st().canary_weight = 0;
        clear_wait();
        end_session();
        pg().message = "Target reverted to the promoted revision; rollout cancelled";
        set_phase(CanaryPhase::Succeeded, pg().message);
        event(false, pg().message + ": " + name());
        return;
      }
      event(false, "New revision detected! Restarting analysis for " + name());
      alert(AlertSeverity::Info, "New revision detected, restarting canary analysis.");
      return start_run();
    }
    if (take_gate("abort", gates.abort)) return rollback("aborted by veer abort");
    if (take_gate("promote", gates.promote)) {
      event(false, "Promotion of " + name() + " requested by veer promote");
      note("promote requested");
      return promote();
    }
    if (gates.paused) {
      wait_for("resume", "Paused by veer pause; `veer resume` continues the analysis", false);
      // A pause stops the progress-deadline clock: it restarts on resume.
      pg().canary_unready_since.clear();
      pause_hold();
      return;
    }
    if (pg().hold_expired) return;  // onHoldExpired: pause; veer promote or veer abort decides
    if (!canary_ready()) return;
    if (has_hooks(WebhookType::Rollback)) {
      auto rollback_hook = hook(WebhookType::Rollback);
      if (rollback_hook.passed) return rollback("rollback webhook: " + rollback_hook.message);
    }
    if (st().failed_checks >= threshold()) {
      return rollback("Failed checks threshold reached " + std::to_string(st().failed_checks));
    }
    if (spec_.analysis_skipped()) return skip_analysis();
    if (!pg().last_step_time.empty()) {
      auto last = base::parse_time(pg().last_step_time).value_or(now_);
      if (now_ < last + interval()) {
        requeue(last + interval() - now_);
        return;
      }
    }
    step();
  }

  void skip_analysis() {
    event(false, "Analysis skipped (skipAnalysis); promoting " + name());
    st().canary_weight = 0;
    st().last_promoted_spec = st().last_applied_spec;
    end_session();
    clear_wait();
    pg().message = "promoted without analysis (skipAnalysis)";
    set_phase(CanaryPhase::Succeeded);
    note("promoted without analysis");
    d_.actions.push_back({ActionKind::PromotePrimary, {}});
    d_.actions.push_back({ActionKind::RunPostRolloutHooks, {}});
    alert(AlertSeverity::Info, "Canary analysis skipped, promotion finished.");
    d_.run_end = RunEnd::Skipped;
  }

  void failed_check(const std::string& message, bool alert_it, bool mute) {
    st().failed_checks += 1;
    pg().message = message;
    event(true, "Halt " + name() + " advancement: " + message);
    if (alert_it && !mute) alert(AlertSeverity::Error, message);
    note("held: " + message);
  }

  // One analysis step, at most once per interval.
  void step() {
    // Results are asked for first, so a step that needs checks changes nothing until it has them.
    const bool first_step = !pg().pre_rollout_passed;
    HookResult checks;
    AnalysisResult verdicts;
    if (first_step) {
      checks = hook(WebhookType::PreRollout);
    } else {
      checks = hook(WebhookType::Rollout);
      if (checks.passed) verdicts = analysis();
    }
    pg().last_step_time = step_time();
    requeue(until_next_step());
    if (first_step) {
      if (!checks.passed)
        return failed_check("pre-rollout check failed: " + checks.message, true, checks.mute_alert);
      pg().pre_rollout_passed = true;
      if (has_hooks(WebhookType::PreRollout)) step_event("Pre-rollout checks passed for " + name());
    } else {
      if (!checks.passed)
        return failed_check("rollout check failed: " + checks.message, true, checks.mute_alert);
      if (record_verdicts(verdicts)) return;
    }
    const bool early =
        verdicts.sequential == SequentialDecision::ProvenNoWorse && early_promotion_allowed();
    if (early) {
      event(false, "Canary " + name() + " proven no worse than primary (" +
                       verdicts.sequential_message + "); promoting early");
      return promotion_gate();
    }
    switch (strategy()) {
      case DeploymentStrategy::Canary:
        return canary_step();
      case DeploymentStrategy::ABTesting:
      case DeploymentStrategy::BlueGreen:
        return iteration_step();
    }
  }

  // Stores the evidence and applies the verdict rule (verdict_rule.hpp); returns true when the
  // step is over (held, failed check or rolled back).
  bool record_verdicts(const AnalysisResult& verdicts) {
    if (!has_metrics()) return false;
    nlohmann::json metrics = nlohmann::json::array();
    std::vector<MetricOutcome> outcomes;
    std::string summary;
    for (const auto& m : verdicts.metrics) {
      const auto verdict = std::string(rule_for(m.outcome).verdict);
      nlohmann::json entry = {{"name", m.name}, {"verdict", verdict}, {"message", m.message}};
      if (!m.evidence.is_null()) entry["evidence"] = m.evidence;
      metrics.push_back(entry);
      outcomes.push_back(m.outcome);
      summary += (summary.empty() ? "" : ", ") + m.name + ": " + verdict;
    }
    auto& evidence = st().evidence;
    evidence["metrics"] = metrics;
    evidence["time"] = base::format_time(now_);
    if (verdicts.traffic_split) evidence["traffic_split"] = verdicts.traffic_split->evidence;
    if (!verdicts.sequential_message.empty()) {
      const char* decision = verdicts.sequential == SequentialDecision::ProvenWorse ? "proven-worse"
                             : verdicts.sequential == SequentialDecision::ProvenNoWorse
                                 ? "proven-no-worse"
                                 : "continue";
      evidence["sequential"] = {{"decision", decision}, {"message", verdicts.sequential_message}};
    }
    if (verdicts.sequential == SequentialDecision::ProvenWorse) {
      rollback("canary proven worse than primary: " + verdicts.sequential_message);
      return true;
    }
    const auto worst = worst_of(outcomes);
    const auto first = [&](MetricOutcome o) {
      return *std::find_if(verdicts.metrics.begin(), verdicts.metrics.end(),
                           [&](const MetricVerdict& m) { return m.outcome == o; });
    };
    const auto action = rule_for(worst).action;
    if (action == StepAction::FailedCheck) {
      failed_check(first(worst).message, false, false);
      return true;
    }
    // Wrong traffic makes every comparison meaningless: hold, whatever the metrics say.
    if (verdicts.traffic_split && verdicts.traffic_split->mismatch) {
      hold("holding: " + verdicts.traffic_split->message, false, AlertSeverity::Warn);
      return true;
    }
    if (action == StepAction::HoldNoData) {
      const auto& m = first(worst);
      hold("holding: no data for " + m.name + " (" + m.message + "); no-data look " +
               std::to_string(pg().no_data_looks + 1) + " of " + std::to_string(max_no_data()),
           true, AlertSeverity::Warn);
      return true;
    }
    if (action == StepAction::Hold) {
      const auto& m = first(worst);
      hold("holding: evidence so far " + (verdicts.evidence_so_far.empty()
                                              ? m.name + ": " + m.message
                                              : verdicts.evidence_so_far),
           false, AlertSeverity::Info);
      return true;
    }
    end_hold();
    note(summary);
    return false;
  }

  // --- holding (docs/analysis.md "Holding") -------------------------------------------------

  milliseconds held_so_far() const {
    milliseconds held = std::chrono::seconds(pg_const().held_seconds);
    if (!pg_const().hold_started.empty()) {
      auto since = base::parse_time(pg_const().hold_started).value_or(now_);
      held += std::chrono::duration_cast<milliseconds>(now_ - since);
    }
    return held;
  }
  const RolloutProgress& pg_const() const { return d_.status.progress; }

  // Stays at the weight without a failed check; the run's hold budget bounds it.
  void hold(const std::string& message, bool no_data, AlertSeverity severity) {
    auto& p = pg();
    const bool entering = p.hold_started.empty();
    if (entering) p.hold_started = base::format_time(now_);
    if (no_data) p.no_data_looks += 1;
    const auto held = held_so_far();
    if (held >= max_hold()) {
      return hold_expired(message + "; held " + model::format_go_duration(held) + " of maxHold " +
                          model::format_go_duration(max_hold()));
    }
    if (no_data && p.no_data_looks > max_no_data()) {
      return hold_expired(message + "; " + std::to_string(p.no_data_looks) +
                          " no-data looks exceed maxNoData " + std::to_string(max_no_data()));
    }
    p.message = message;
    event(false, "Hold " + name() + " at canary weight " + std::to_string(st().canary_weight) +
                     ": " + message);
    if (entering) alert(severity, "Canary " + name() + " " + message);
    note(message);
  }

  // A paused or suspended Canary runs no analysis, so its hold waits for nothing: maxHold stops
  // counting. The time held so far stays spent; the first look after resuming holds anew.
  void pause_hold() { end_hold(); }

  // The hold is over (the evidence arrived): its time stays spent.
  void end_hold() {
    auto& p = pg();
    if (p.hold_started.empty()) return;
    p.held_seconds = std::chrono::duration_cast<std::chrono::seconds>(held_so_far()).count();
    p.hold_started.clear();
  }

  void hold_expired(const std::string& detail) {
    const std::string reason = "hold budget exhausted: " + detail;
    if (spec_.analysis->on_hold_expired == model::OnHoldExpired::Rollback) return rollback(reason);
    pg().hold_expired = true;
    wait_for("hold-expired",
             "Paused " + name() + " (onHoldExpired: pause): " + reason +
                 "; veer promote or veer abort decides",
             true);
    alert(AlertSeverity::Warn, "Canary " + name() + " paused: " + reason);
    note("paused: " + reason);
  }

  int next_weight() const {
    const auto& a = *spec_.analysis;
    const int weight = st().canary_weight;
    if (!a.step_weights.empty()) {
      for (int w : a.step_weights) {
        if (w > weight) return std::min(w, spec_.max_weight());
      }
      return spec_.max_weight();
    }
    return std::min(weight + std::max(1, a.step_weight), spec_.max_weight());
  }

  void canary_step() {
    auto& s = st();
    if (s.canary_weight >= spec_.max_weight()) return promotion_gate();
    if (spec_.analysis->mirror && s.canary_weight == 0 && !pg().mirror_step_done) {
      pg().mirror_step_done = true;
      step_event("Starting traffic mirroring for " + name());
      note("mirroring");
      return;
    }
    auto confirm = hook(WebhookType::ConfirmTrafficIncrease);
    if (!confirm.passed) {
      // A refused increase only holds: no failed check, no restart (Flagger #1248).
      wait_for("confirm-traffic-increase",
               "Waiting for approval to increase traffic: " + confirm.message, false);
      note("held: traffic increase not approved");
      return;
    }
    clear_wait();
    s.canary_weight = next_weight();
    step_event("Advance " + name() + " canary weight " + std::to_string(s.canary_weight));
    note("weight " + std::to_string(s.canary_weight));
  }

  void iteration_step() {
    auto& s = st();
    if (s.iterations >= iterations_wanted()) return promotion_gate();
    s.iterations += 1;
    step_event("Advance " + name() + " canary iteration " + std::to_string(s.iterations) + "/" +
               std::to_string(iterations_wanted()));
    note("iteration " + std::to_string(s.iterations));
  }

  void promotion_gate() {
    auto confirm = hook(WebhookType::ConfirmPromotion);
    if (!confirm.passed) {
      const bool entering = st().phase != CanaryPhase::WaitingPromotion;
      set_phase(CanaryPhase::WaitingPromotion);
      wait_for("confirm-promotion", "Waiting for promotion approval: " + confirm.message, false);
      if (entering && !confirm.mute_alert)
        alert(AlertSeverity::Warn, "Canary is waiting for promotion approval.");
      return;
    }
    promote();
  }

  void promote() {
    clear_wait();
    pg().message.clear();
    // The primary must roll out within the progress deadline from now.
    pg().primary_unready_since = base::format_time(now_);
    pg().last_step_time.clear();  // the first promotion step runs as soon as the primary is ready
    set_phase(CanaryPhase::Promoting);
    // The phase and the history say it; "Promotion completed!" is the Event (issue 19).
    const auto promoted = primary(st().last_applied_spec);
    step_event(knative() ? "Making " + promoted + " the primary revision"
                         : "Copying " + target() + " template spec to " + promoted);
    note("promoting");
    // The primary update goes out on this pass: its wait starts now (see start_run).
    wait_for("primary",
             "Waiting for " + promoted +
                 (knative() ? " to become the primary: the Service is told its new primary revision"
                            : " to roll out: the new template is copied"),
             false, true);
    poll(settings_.poll_interval);
  }

  void promoting() {
    const auto& gates = seen_.gates;
    ignore_gate("abort", gates.abort, "promotion is under way");
    ignore_gate("promote", gates.promote, "promotion is under way");
    if (seen_.revision != st().last_applied_spec && seen_.revision != st().last_promoted_spec) {
      event(false, "New revision detected during promotion of " + name() + "; it rolls out next");
    }
    const auto deadline = std::chrono::seconds(spec_.progress_deadline_seconds);
    // The primary must have been given this revision (a restart may have lost that write; the
    // PromotePrimary this phase asserts writes it again) and rolled it out.
    const bool given =
        seen_.primary_promotion_id.empty() || seen_.primary_promotion_id == st().last_applied_spec;
    if (!given || !seen_.primary.ready || seen_.primary.deadline_exceeded) {
      if (pg().primary_unready_since.empty()) pg().primary_unready_since = base::format_time(now_);
      auto since = base::parse_time(pg().primary_unready_since).value_or(now_);
      if (seen_.primary.deadline_exceeded || now_ - since >= deadline) {
        // The canary runs the new version and is healthy: serve from it (Flagger #1931).
        const std::string reason = "Promotion failed: " + primary(st().last_applied_spec) +
                                   " not ready (" + seen_.primary.message +
                                   "); all traffic stays on the canary";
        st().canary_weight = 100;
        clear_wait();
        pg().message = reason;
        set_phase(CanaryPhase::Failed, reason);
        note(reason);
        event(true, reason);
        alert(AlertSeverity::Error, reason);
        d_.actions.push_back({ActionKind::RunPostRolloutHooks, {}});
        d_.run_end = RunEnd::Failed;
        return;
      }
      wait_for("primary",
               "Waiting for " + primary(st().last_applied_spec) +
                   (knative() ? " to become the primary: " : " to roll out: ") +
                   seen_.primary.message,
               false, true);
      poll(settings_.poll_interval);
      return;
    }
    pg().primary_unready_since.clear();
    end_workload_wait();
    clear_wait();
    auto& s = st();
    const int step = spec_.analysis ? spec_.analysis->step_weight_promotion : 0;
    if (strategy() == DeploymentStrategy::Canary && step > 0 && s.canary_weight > 0) {
      if (!pg().last_step_time.empty()) {
        auto last = base::parse_time(pg().last_step_time).value_or(now_);
        if (now_ < last + interval()) {
          requeue(last + interval() - now_);
          return;
        }
      }
      pg().last_step_time = step_time();
      s.canary_weight = std::max(0, s.canary_weight - step);
      step_event("Advance " + name() + " primary weight " + std::to_string(100 - s.canary_weight));
      note("primary weight " + std::to_string(100 - s.canary_weight));
      if (s.canary_weight > 0) {
        requeue(until_next_step());
        return;
      }
    }
    s.canary_weight = 0;
    set_phase(CanaryPhase::Finalising);
    // Finalising lasts only this pass: "Promotion completed!" is the Event.
    step_event("Routing all traffic to primary for " + name());
    finalise();
  }

  void finalise() {
    st().last_promoted_spec = st().last_applied_spec;
    end_session();
    pg().message = "promoted " + st().last_applied_spec;
    set_phase(CanaryPhase::Succeeded, "Canary analysis completed successfully");
    note("succeeded");
    event(false, "Promotion completed! " +
                     (knative() ? primary(st().last_applied_spec) + " serves all traffic"
                                : "Scaling down " + target()));
    alert(AlertSeverity::Info, "Canary analysis completed successfully, promotion finished.");
    d_.actions.push_back({ActionKind::RunPostRolloutHooks, {}});
    d_.run_end = RunEnd::Succeeded;
  }

  void terminate() {
    if (!spec_.revert_on_deletion || !seen_.has_finalizer) return;
    if (!seen_.target_restored) {
      if (st().phase != CanaryPhase::Terminating) {
        set_phase(CanaryPhase::Terminating);
        event(false, "Reverting " + target() + " before deleting " + name());
      }
      poll(settings_.poll_interval);
      return;
    }
    set_phase(CanaryPhase::Terminated);
    event(false, "Canary " + name() + " reverted; removing the finalizer");
  }

  // --- what each phase keeps true (re-asserted on every call; the caller writes only diffs) --

  meshes::Routes routes(int canary_weight, bool mirror) const {
    meshes::Routes r;
    r.canary_weight = canary_weight;
    r.primary_weight = 100 - canary_weight;
    r.mirror = mirror;
    if (mirror && spec_.analysis && spec_.analysis->mirror_weight > 0)
      r.mirror_percentage = spec_.analysis->mirror_weight;
    if (d_.status.canary.canary_weight > 0 || is_active_phase(d_.status.canary.phase))
      r.session_cookie = d_.status.canary.session_affinity_cookie;
    r.previous_session_cookie = d_.status.canary.previous_session_affinity_cookie;
    return r;
  }

  void set_routes(int canary_weight, bool mirror = false) {
    d_.actions.push_back({ActionKind::SetRoutes, routes(canary_weight, mirror)});
  }

  // A rollout under way comes back within one interval whatever this pass decided: a wait that
  // only an event ends (a gate, a paused hold, another rollout finishing) or a requeue lost to a
  // defect then costs one interval, not the minutes until the informers' resync.
  void come_back_while_under_way() {
    if (spec_.suspend || seen_.deleting) return;
    switch (st().phase) {
      case CanaryPhase::Waiting:
      case CanaryPhase::Progressing:
      case CanaryPhase::WaitingPromotion:
      case CanaryPhase::Promoting:
      case CanaryPhase::Finalising:
        if (d_.requeue_after.count() == 0) requeue(interval());
        return;
      default:
        return;
    }
  }

  void assert_steady_state() {
    // Hands off while suspended, and when deleted without revertOnDeletion (GC cleans up).
    if (spec_.suspend && !seen_.deleting) return;
    const auto& s = d_.status.canary;
    if (seen_.deleting && s.phase != CanaryPhase::Terminating && s.phase != CanaryPhase::Terminated)
      return;
    const bool mirroring = spec_.analysis && spec_.analysis->mirror;
    switch (s.phase) {
      case CanaryPhase::None:
      case CanaryPhase::Initializing:
        d_.actions.push_back({ActionKind::InitializePrimary, {}});
        return;
      case CanaryPhase::Initialized:
      case CanaryPhase::Succeeded:
      case CanaryPhase::Waiting:
        // A promotion whose primary write was lost (skipAnalysis promotes in one pass).
        if (s.phase == CanaryPhase::Succeeded && !seen_.primary_promotion_id.empty() &&
            seen_.primary_promotion_id != s.last_promoted_spec &&
            seen_.revision == s.last_promoted_spec)
          d_.actions.push_back({ActionKind::PromotePrimary, {}});
        set_routes(0);
        d_.actions.push_back({ActionKind::ScaleCanaryDown, {}});
        return;
      case CanaryPhase::Failed:
        set_routes(s.canary_weight);
        if (s.canary_weight == 0) d_.actions.push_back({ActionKind::ScaleCanaryDown, {}});
        return;
      case CanaryPhase::Progressing:
      case CanaryPhase::WaitingPromotion:
        d_.actions.push_back({ActionKind::ScaleCanaryUp, {}});
        switch (strategy()) {
          case DeploymentStrategy::Canary:
            set_routes(s.canary_weight,
                       mirroring && s.canary_weight == 0 && d_.status.progress.mirror_step_done);
            return;
          case DeploymentStrategy::ABTesting:
            set_routes(s.iterations > 0 ? 100 : 0);
            return;
          case DeploymentStrategy::BlueGreen:
            set_routes(0, mirroring && s.iterations > 0);
            return;
        }
        return;
      case CanaryPhase::Promoting:
      case CanaryPhase::Finalising:
        d_.actions.push_back({ActionKind::ScaleCanaryUp, {}});
        d_.actions.push_back({ActionKind::PromotePrimary, {}});
        if (strategy() == DeploymentStrategy::Canary) {
          set_routes(s.canary_weight);
        } else if (provider() != "kubernetes") {
          set_routes(100);  // B/G and A/B serve from the canary while the primary rolls
        }
        return;
      case CanaryPhase::Terminating:
        d_.actions.push_back({ActionKind::RestoreTarget, {}});
        return;
      case CanaryPhase::Terminated:
        d_.actions.push_back({ActionKind::FinalizeRoutes, {}});
        d_.actions.push_back({ActionKind::RemoveFinalizer, {}});
        return;
    }
  }

  const model::Canary& canary_;
  const model::CanarySpec& spec_;
  const Observations& seen_;
  TimePoint now_;
  const DecideSettings& settings_;
  Decision d_;
};

}  // namespace

Decision decide(const model::Canary& canary, const RolloutStatus& status,
                const Observations& observed, TimePoint now, const DecideSettings& settings) {
  return Decider(canary, status, observed, now, settings).run();
}

}  // namespace veer::controller
