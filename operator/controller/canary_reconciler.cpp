#include "operator/controller/canary_reconciler.hpp"

#include <algorithm>
#include <set>

#include "base/time_format.hpp"
#include "meshes/drift.hpp"
#include "meshes/from_canary.hpp"
#include "meshes/port_discovery.hpp"
#include "meshes/router.hpp"
#include "meshes/router_switch.hpp"
#include "meshes/services.hpp"
#include "model/canonical_json.hpp"
#include "operator/controller/config_tracking.hpp"
#include "operator/controller/event_object.hpp"
#include "operator/controller/knative_target.hpp"
#include "operator/controller/primary_scaler.hpp"
#include "operator/controller/revision.hpp"
#include "operator/controller/router_writes.hpp"
#include "operator/controller/status_write.hpp"
#include "operator/controller/workload_health.hpp"
#include "operator/kube/error_sink.hpp"
#include "operator/webhooks/webhook_runner.hpp"

namespace veer::controller {

using nlohmann::json;

const kube::ResourceType& canary_type() {
  static const kube::ResourceType type{"veer.dev", "v1beta1", "canaries", "Canary"};
  return type;
}

struct CanaryReconciler::Context {
  std::string key;
  std::string ns;
  json object;  // the Canary as read
  model::Canary canary;
  RolloutStatus status;
  json target;
  std::optional<json> primary;
  std::optional<json> hpa;               // spec.autoscalerRef's HPA
  std::optional<json> primary_hpa;       // <hpa>-primary
  std::optional<base::Error> hpa_error;  // why the HPA could not be read
  SelectorLabel label;
  TrackedConfigs tracked;
  std::map<std::string, json> configs;  // "ConfigMap/name" -> object, of tracked configs
  Observations seen;
  Decision decision;
  std::unique_ptr<meshes::Router> router;
  std::string provider;  // router's: spec.provider, else the operator's default
  meshes::CanaryRouting routing;
  bool knative = false;           // the target is a Knative Service: no primary workload
  std::string problem;            // why observe could not go on
  bool user_problem = false;      // ... and only a change to the user's objects fixes it
  bool analysis_running = false;  // the checker is still measuring this step
  // The router's objects as routes_pending read them this pass, for the SetRoutes or
  // FinalizeRoutes that follows to use instead of reading them again; dropped once an action
  // other than the target's scale has been applied (its writes may have changed them).
  std::vector<std::pair<kube::ObjectRef, kube::Result<json>>> router_reads;
};

namespace {

// An API error as the reconciler reports it, with what was being done.
bool has_finalizer(const json& object) {
  const auto& meta = object.value("metadata", json::object());
  if (!meta.contains("finalizers") || !meta["finalizers"].is_array()) return false;
  for (const auto& f : meta["finalizers"]) {
    if (f == kFinalizer) return true;
  }
  return false;
}

}  // namespace

CanaryReconciler::CanaryReconciler(kube::Cluster& cluster, base::Clock& clock,
                                   webhooks::HookPoster& hooks, MetricsChecker& metrics,
                                   AlertSink& alerts, ReconcilerSettings settings)
    : cluster_(cluster),
      clock_(clock),
      hooks_(hooks),
      metrics_(metrics),
      alerts_(alerts),
      settings_(std::move(settings)) {}

void CanaryReconciler::report_unchanged(Context& ctx, const std::string& error) {
  if (!report_) return;
  ReconcileReport report;
  report.key = ctx.key;
  report.ns = ctx.ns;
  report.name = ctx.canary.metadata.name;
  report.phase = ctx.status.canary.phase;
  report.canary_weight = ctx.status.canary.canary_weight;
  report.error = error;
  report_(report);
}

kube::ReconcileResult CanaryReconciler::fail(Context& ctx, const std::string& error) {
  report_unchanged(ctx, error);
  return {true, std::nullopt, error, false};
}

kube::ReconcileResult CanaryReconciler::blocked(Context& ctx, const std::string& problem) {
  return fail(ctx, say_blocked(ctx, problem));
}

std::string CanaryReconciler::say_blocked(Context& ctx, const std::string& problem) {
  auto status = rollout_status_from_json(ctx.object.value("status", json::object()));
  if (status.progress.message == problem) return problem;
  status.progress.waiting_for = kWaitingForFix;
  status.progress.message = problem;
  json update = ctx.object;
  update["status"] = to_json(status);
  auto written = cluster_.update_status(update);
  if (!written && !written.is(kube::ErrorType::Conflict))  // a conflict: the next pass says it
    return problem + " (and cannot write the status of " + ctx.key + ": " +
           written.error().message + ")";
  if (written) {
    ctx.object = *written;
    write_event(ctx, {true, problem});
  }
  return problem;
}

kube::ReconcileResult CanaryReconciler::reconcile(const std::string& key) {
  Context ctx;
  ctx.key = key;
  auto [ns, name] = kube::split_key(key);
  ctx.ns = ns;
  auto got = cluster_.get({canary_type(), ns, name});
  if (!got) {
    if (got.is(kube::ErrorType::NotFound)) {
      std::lock_guard lock(held_mutex_);  // a Canary gone mid-analysis leaves nothing held
      held_.erase(key);
      return {};
    }
    return fail(ctx, got.error().message);
  }
  ctx.object = *got;
  // The status is veer's own (read below with its `rollout` part); the spec is the user's.
  json spec_only = ctx.object;
  spec_only.erase("status");
  // A Canary without spec.provider uses the operator's --mesh-provider: validate it (and later
  // choose its built-in metric queries) for that router, not for istio.
  auto& spec_json = spec_only["spec"];
  if (spec_json.is_object() && spec_json.value("provider", "").empty() &&
      !settings_.decide.default_provider.empty())
    spec_json["provider"] = settings_.decide.default_provider;
  auto parsed = model::parse_canary(spec_only);
  if (!parsed.ok()) {
    std::string problems;
    for (const auto& e : parsed.errors)
      problems += (problems.empty() ? "" : "; ") + model::to_string(e);
    return blocked(ctx, "Canary " + key + " is invalid: " + problems);
  }
  ctx.canary = parsed.value;
  ctx.status = rollout_status_from_json(ctx.object.value("status", json::object()));
  ctx.canary.status = ctx.status.canary;
  if (!observe(ctx)) return ctx.user_problem ? blocked(ctx, ctx.problem) : fail(ctx, ctx.problem);
  if (auto retired = retire_previous_router(ctx); !retired) {
    return retired.is(base::ErrorKind::invalid) ? blocked(ctx, retired.error().message)
                                                : fail(ctx, retired.error().message);
  }
  // A step counts only once the router applies its weights: until then nothing is analysed.
  if (auto pending = routes_pending(ctx); !pending.empty()) return wait_for_routes(ctx, pending);
  // The routes are applied: `decide` says what is next. A fix the user was asked for is over only
  // once this pass's writes succeed (below): a write that fails the same way again then says
  // nothing new and writes nothing.
  const bool was_blocked = ctx.status.progress.waiting_for == kWaitingForFix;
  if (ctx.status.progress.waiting_for == kWaitingForRoutes) {
    ctx.status.progress.waiting_for.clear();
    ctx.status.progress.message.clear();
  }

  if (auto checked = run_checks(ctx); !checked) return fail(ctx, checked.error().message);
  if (ctx.analysis_running) {
    // Nothing is decided until the analysis ends, and the checker queues the Canary again then;
    // the requeue is only a safety net, one interval away so a slow fleet is not polled.
    report_unchanged(ctx, "");
    kube::ReconcileResult result;
    result.requeue_after = ctx.canary.spec.analysis ? ctx.canary.spec.analysis->interval
                                                    : settings_.decide.poll_interval;
    return result;
  }
  // Initialized, and the end of a run (Succeeded, Failed), announce that all traffic is on the
  // primary, so on those passes the writes come first and the status after: a reader never sees
  // the phase while the canary still gets requests (an A/B insider did, for a moment, at
  // Succeeded). On every other pass the status records the intent first, and a restart
  // re-applies it; a restart before such a pass's status write decides the same pass again.
  const auto now_phase = ctx.decision.status.canary.phase;
  const bool announces_initialized = now_phase == model::CanaryPhase::Initialized &&
                                     (ctx.status.canary.phase == model::CanaryPhase::None ||
                                      ctx.status.canary.phase == model::CanaryPhase::Initializing);
  const bool announces_end =
      (now_phase == model::CanaryPhase::Succeeded || now_phase == model::CanaryPhase::Failed) &&
      ctx.status.canary.phase != now_phase;
  const bool routes_first = announces_initialized || announces_end;
  if (!routes_first) {
    if (auto written = write_status(ctx); !written) return fail(ctx, written.error().message);
  }

  // Post-rollout hooks tell others the run is over: never before its status says so.
  const auto is_hook = [](const Action& a) { return a.kind == ActionKind::RunPostRolloutHooks; };
  std::string errors;
  std::string user_errors;  // of kind invalid: only the user can fix them
  const auto apply_all = [&](bool hooks) {
    for (const auto& action : ctx.decision.actions) {
      if (routes_first && is_hook(action) != hooks) continue;
      // The finalizer comes off only once every cleanup before it worked: off after a refused
      // one (a user's router object not given its own spec back, a copy not deleted), the Canary
      // would go and leave the routing as veer had it, pointing at a primary about to go.
      if (action.kind == ActionKind::RemoveFinalizer && !errors.empty()) continue;
      // The router's objects routes_pending read serve only a route write that comes before
      // any other action's writes but the target's scale (it writes the target workload only,
      // nothing for a Knative target, never a router's object).
      const bool scales_target = action.kind == ActionKind::ScaleCanaryUp ||
                                 action.kind == ActionKind::ScaleCanaryDown ||
                                 action.kind == ActionKind::RestoreTarget;
      if (action.kind != ActionKind::SetRoutes && action.kind != ActionKind::FinalizeRoutes &&
          !scales_target)
        ctx.router_reads.clear();
      auto applied = apply(ctx, action);
      if (!scales_target) ctx.router_reads.clear();
      if (applied) continue;
      const auto& message = applied.error().message;
      errors += (errors.empty() ? "" : "; ") + message;
      if (applied.is(base::ErrorKind::invalid))
        user_errors += (user_errors.empty() ? "" : "; ") + message;
    }
  };
  apply_all(false);
  if (was_blocked && errors.empty() &&
      ctx.decision.status.progress.waiting_for == kWaitingForFix) {  // fixed: say so
    ctx.decision.status.progress.waiting_for.clear();
    ctx.decision.status.progress.message.clear();
    if (!routes_first) {
      if (auto written = write_status(ctx); !written) return fail(ctx, written.error().message);
    }
  }
  if (routes_first) {
    // Reported like any failed pass: a refused write here (the primary's Service, the routes,
    // the target scaled down) is otherwise said nowhere, and the run waits without a word.
    if (!user_errors.empty()) return blocked(ctx, user_errors);
    if (!errors.empty()) return fail(ctx, errors);
    if (auto written = write_status(ctx); !written) return fail(ctx, written.error().message);
    apply_all(true);
  }
  tell(ctx);
  if (report_) {
    ReconcileReport report;
    report.key = key;
    report.ns = ctx.ns;
    report.name = ctx.canary.metadata.name;
    report.target = ctx.canary.spec.target_ref.name;
    report.strategy =
        std::string(model::to_string(ctx.canary.spec.strategy(settings_.decide.default_provider)));
    if (ctx.seen.analysis) report.verdicts = ctx.seen.analysis->metrics;
    report.phase = ctx.decision.status.canary.phase;
    report.canary_weight = ctx.decision.status.canary.canary_weight;
    report.events = ctx.decision.events;
    report.run_end = ctx.decision.run_end;
    report.error = errors;
    report_(report);
  }
  // A write only the user can fix is said in the status and one Warning event (the status
  // written above keeps the intent; the next pass applies it again).
  if (!user_errors.empty()) say_blocked(ctx, user_errors);
  if (!errors.empty()) return {true, std::nullopt, errors, false};
  kube::ReconcileResult result;
  if (ctx.decision.requeue_after.count() > 0) {
    result.requeue_after = ctx.decision.requeue_after;
    result.poll = ctx.decision.requeue_is_poll;
  }
  return result;
}

bool CanaryReconciler::observe(Context& ctx) {
  const auto& spec = ctx.canary.spec;
  const auto api_version =
      spec.target_ref.api_version.empty() ? "apps/v1" : spec.target_ref.api_version;
  auto target = cluster_.get(
      {kube::type_of(api_version, spec.target_ref.kind), ctx.ns, spec.target_ref.name});
  if (!target) {
    ctx.problem = "target " + spec.target_ref.kind + " " + ctx.ns + "/" + spec.target_ref.name +
                  " (spec.targetRef): " + target.error().message;
    ctx.user_problem = target.is(kube::ErrorType::NotFound);
    return false;
  }
  ctx.target = *target;
  ctx.knative = is_knative_target(spec);
  if (!(ctx.knative ? observe_revisions(ctx) : observe_workloads(ctx))) return false;

  auto& seen = ctx.seen;
  seen.gates.promote = kube::annotation_of(ctx.object, kPromoteAnnotation);
  seen.gates.abort = kube::annotation_of(ctx.object, kAbortAnnotation);
  seen.gates.retry = kube::annotation_of(ctx.object, kRetryAnnotation);
  seen.gates.paused = kube::annotation_of(ctx.object, kPausedAnnotation) == "true";
  seen.deleting = !ctx.object["metadata"].value("deletionTimestamp", "").empty();
  seen.has_finalizer = has_finalizer(ctx.object);
  seen.rollout_slot_free = slot_free(ctx, seen.slot_message);

  const auto provider = spec.provider.empty() ? settings_.decide.default_provider : spec.provider;
  auto router = meshes::make_router(provider, settings_.ingress_annotations_prefix);
  if (!router) {
    ctx.problem = router.error().message;
    ctx.user_problem = true;
    return false;
  }
  ctx.router = std::move(router.value());
  ctx.provider = provider;
  ctx.routing = meshes::routing_of(ctx.canary, ctx.label.key, ctx.label.value);
  if (ctx.routing.port_discovery && !ctx.knative) {
    const auto& pod_spec = ctx.target["spec"]["template"].value("spec", json::object());
    ctx.routing.discovered_ports = meshes::discovered_ports(ctx.routing, pod_spec);
  }
  return true;
}

// A Knative Service: its revisions are the canary and the primary (knative_target.hpp).
bool CanaryReconciler::observe_revisions(Context& ctx) {
  auto read = [&](const std::string& name) -> RevisionRead {
    auto found = cluster_.get({kube::type_of("serving.knative.dev/v1", "Revision"), ctx.ns, name});
    if (found) return {*found, ""};
    if (found.is(kube::ErrorType::NotFound)) return {std::nullopt, ""};
    return {std::nullopt, "cannot read the Knative Revision " + ctx.ns + "/" + name + ": " +
                              found.error().message};
  };
  ctx.problem = observe_knative(ctx.target, ctx.status, read, ctx.seen);
  return ctx.problem.empty();
}

// A Deployment or DaemonSet: its <name>-primary copy, the configs it mounts and its scaler.
bool CanaryReconciler::observe_workloads(Context& ctx) {
  const auto& spec = ctx.canary.spec;
  const auto api_version =
      spec.target_ref.api_version.empty() ? "apps/v1" : spec.target_ref.api_version;
  auto label = selector_label(ctx.target, settings_.clone);
  if (!label.label) {
    ctx.problem = label.error;
    ctx.user_problem = true;
    return false;
  }
  ctx.label = *label.label;
  const auto pod_spec = ctx.target["spec"]["template"].value("spec", json::object());
  // A read that fails is not an absent object: an absent ConfigMap changes the revision and an
  // absent primary is created again, so the pass stops here and is retried.
  std::string read_error;
  ctx.tracked = track_configs(
      pod_spec, [&](const std::string& kind, const std::string& name) -> std::optional<json> {
        auto found = cluster_.get({kube::type_of("v1", kind), ctx.ns, name});
        if (!found) {
          if (!found.is(kube::ErrorType::NotFound) && read_error.empty())
            read_error = kind + " " + ctx.ns + "/" + name + ": " + found.error().message;
          return std::nullopt;
        }
        ctx.configs[kind + "/" + name] = *found;
        return *found;
      });
  if (!read_error.empty()) {
    ctx.problem = "cannot read the target's " + read_error;
    return false;
  }
  const std::string primary_name = spec.target_ref.name + "-primary";
  auto primary =
      cluster_.get({kube::type_of(api_version, spec.target_ref.kind), ctx.ns, primary_name});
  if (primary) {
    ctx.primary = *primary;
  } else if (!primary.is(kube::ErrorType::NotFound)) {
    ctx.problem = "cannot read the primary " + spec.target_ref.kind + " " + ctx.ns + "/" +
                  primary_name + ": " + primary.error().message;
    return false;
  }
  observe_scaler(ctx);

  auto& seen = ctx.seen;
  seen.revision = revision_hash(ctx.target, ctx.tracked.checksums);
  seen.tracked_configs = ctx.tracked.checksums;
  const auto& analysis = spec.analysis;
  seen.canary = workload_health(ctx.target, analysis ? analysis->canary_ready_threshold : 100);
  if (ctx.primary)
    seen.primary =
        workload_health(*ctx.primary, analysis ? analysis->primary_ready_threshold : 100);
  // A ConfigMap or Secret the pods use and that does not exist is the likely reason they do not
  // start (unless marked optional): say it where the wait is said. The primary uses it too (only
  // tracked configs are copied).
  if (!ctx.tracked.missing.empty()) {
    std::string names;
    for (const auto& name : ctx.tracked.missing) names += (names.empty() ? "" : ", ") + name;
    const auto why =
        " (the pods use " + names +
        (ctx.tracked.missing.size() == 1 ? ", which does not exist)" : ", which do not exist)");
    if (!seen.canary.ready) seen.canary.message += why;
    if (ctx.primary && !seen.primary.ready) seen.primary.message += why;
  }
  if (ctx.primary) {
    const auto& pod_meta = (*ctx.primary)["spec"]["template"].value("metadata", json::object());
    seen.primary_promotion_id =
        pod_meta.value("annotations", json::object()).value(kPromotionIdAnnotation, "");
  }
  // Initialization is not done until the primary's scaler exists (Flagger's order).
  const auto phase = ctx.status.canary.phase;
  if (ctx.hpa_error &&
      (phase == model::CanaryPhase::None || phase == model::CanaryPhase::Initializing)) {
    seen.primary.ready = false;
    seen.primary.message = ctx.hpa_error->message;
  }
  seen.target_restored = seen.canary.ready;
  return true;
}

// Why the routes veer wrote are not applied yet ("" when they are, or cannot tell): Router::read
// says not_ready, e.g. a Gateway API route whose parents have not accepted its generation.
std::string CanaryReconciler::routes_pending(Context& ctx) {
  const auto phase = ctx.status.canary.phase;
  if (ctx.seen.deleting || ctx.canary.spec.suspend ||
      (phase != model::CanaryPhase::Progressing && phase != model::CanaryPhase::WaitingPromotion))
    return "";
  meshes::Observed observed;
  std::vector<std::size_t> found_at;  // where each of observed.objects came from in router_reads
  ctx.router_reads.clear();
  for (const auto& ref : ctx.router->objects(ctx.routing)) {
    auto where = api_ref_of(ref, ctx.ns);
    auto found = cluster_.get(where);
    if (!found) {  // a failed read is kept only when it says absent: another may succeed
      if (found.is(kube::ErrorType::NotFound))
        ctx.router_reads.emplace_back(std::move(where), std::move(found));
      continue;
    }
    found_at.push_back(ctx.router_reads.size());
    observed.objects.push_back(std::move(*found));
    ctx.router_reads.emplace_back(std::move(where), std::move(found));
  }
  auto routes = ctx.router->read(ctx.routing, observed);
  for (std::size_t i = 0; i < found_at.size(); ++i)  // kept for apply_router, without a copy
    *ctx.router_reads[found_at[i]].second = std::move(observed.objects[i]);
  if (routes || routes.error().kind != meshes::RouterError::Kind::not_ready) return "";
  return routes.error().message;
}

// Before the router of spec.provider routes, the one the routes were last applied through stops
// (meshes/router_switch.hpp): two routers never split the same Canary's traffic. The provider is
// recorded in the status (written with this pass's), so a pass that fails after the writes
// retires nothing twice: what is gone reads as absent.
base::Status CanaryReconciler::retire_previous_router(Context& ctx) {
  auto& recorded = ctx.status.progress.router;
  if (recorded == ctx.provider) return base::Empty{};
  if (!recorded.empty()) {
    auto old_router = meshes::make_router(recorded, settings_.ingress_annotations_prefix);
    if (!old_router) {
      // Not a provider this veer routes: nothing of it can be read, so nothing is retired.
      write_event(ctx, {true, "The routes of provider \"" + recorded +
                                  "\" were not retired: " + old_router.error().message});
    } else {
      meshes::Observed observed;
      if (auto read = observe_router_objects(ctx, *old_router.value(), observed); !read)
        return read;
      auto writes = meshes::retire_router(*old_router.value(), *ctx.router, ctx.routing, observed);
      if (!writes) return meshes::to_error(writes.error());
      if (auto applied = apply_writes(cluster_, writes.value()); !applied) return applied;
      if (auto retired = retired_text(writes.value()); !retired.empty())
        write_event(ctx, {false, "Provider changed from " + recorded + " to " + ctx.provider +
                                     ": " + retired});
    }
  }
  recorded = ctx.provider;
  return base::Empty{};
}

// By name, the user's objects `router` changed; by owner, those it made: their names may come
// from a reference a provider switch removes (nginx's spec.ingressRef), as validation asks.
base::Status CanaryReconciler::observe_router_objects(Context& ctx, const meshes::Router& router,
                                                      meshes::Observed& observed) {
  const auto& provider = router.provider();
  std::vector<meshes::ObjectRef> named;
  std::set<std::pair<std::string, std::string>> kinds;
  for (const auto& ref : router.objects(ctx.routing)) {
    if (ref.namespace_.empty()) kinds.insert({ref.api_version, ref.kind});
    if (!ref.name.empty()) named.push_back(ref);
  }
  auto get = [this](const kube::ObjectRef& ref) { return cluster_.get(ref); };
  if (auto read = read_router_objects(named, ctx.ns, get, observed, " of provider " + provider);
      !read)
    return read;
  std::set<std::string> seen;
  for (const auto& object : observed.objects) seen.insert(kube::ref_of(object).describe());
  auto keep = [&](json object) {
    if (seen.insert(kube::ref_of(object).describe()).second)
      observed.objects.push_back(std::move(object));
  };
  for (const auto& [api_version, kind] : kinds) {
    auto listed = cluster_.list(kube::type_of(api_version, kind), ctx.ns);
    if (!listed) {
      if (listed.is(kube::ErrorType::NotFound)) continue;  // its CRD is gone: nothing routes
      return kube::to_error(listed.error(), "cannot list the " + kind + "s of provider " +
                                                provider + " in " + ctx.ns);
    }
    for (auto& item : listed->items) {
      // A cluster-scoped kind (Kuma's) lists every namespace's: found by name only.
      if (kube::namespace_of(item) != ctx.ns || !meshes::is_controlled_by(item, ctx.routing))
        continue;
      // A list's items may leave out what every item is (the real API server's do).
      if (!item.contains("apiVersion")) item["apiVersion"] = api_version;
      if (!item.contains("kind")) item["kind"] = kind;
      keep(std::move(item));
    }
  }
  return base::Empty{};
}

kube::Result<json> CanaryReconciler::read_router_object(Context& ctx, const kube::ObjectRef& ref) {
  for (auto it = ctx.router_reads.begin(); it != ctx.router_reads.end(); ++it) {
    const auto& read = it->first;
    if (read.type == ref.type && read.ns == ref.ns && read.name == ref.name) {
      auto found = std::move(it->second);
      ctx.router_reads.erase(it);
      return found;
    }
  }
  return cluster_.get(ref);
}

kube::ReconcileResult CanaryReconciler::wait_for_routes(Context& ctx, const std::string& why) {
  auto& progress = ctx.status.progress;
  if (progress.waiting_for != kWaitingForRoutes || progress.message != why) {
    progress.waiting_for = kWaitingForRoutes;
    progress.message = why;
    json update = ctx.object;
    update["status"] = to_json(ctx.status);
    if (auto written = cluster_.update_status(update)) ctx.object = *written;
  }
  report_unchanged(ctx, "");
  kube::ReconcileResult result;
  result.requeue_after = settings_.decide.poll_interval;
  result.poll = true;  // a look again: the steps go first
  return result;
}

bool CanaryReconciler::slot_free(const Context& ctx, std::string& message) {
  if (settings_.max_concurrent_rollouts <= 0 && settings_.max_rollouts_per_namespace <= 0)
    return true;
  if (is_active_phase(ctx.status.canary.phase)) return true;
  auto all = cluster_.list(canary_type(), "");
  if (!all) {
    // A limit that cannot be counted is not free: wait, and count again on the next pass.
    message = "cannot count the rollouts in progress (" + all.error().message + ")";
    return false;
  }
  int global = 0;
  int local = 0;
  for (const auto& item : all->items) {
    if (kube::key_of(item) == ctx.key) continue;
    auto phase = model::parse_canary_phase(item.value("status", json::object()).value("phase", ""));
    if (!phase || !is_active_phase(*phase)) continue;
    ++global;
    if (kube::namespace_of(item) == ctx.ns) ++local;
  }
  if (settings_.max_concurrent_rollouts > 0 && global >= settings_.max_concurrent_rollouts) {
    message = std::to_string(global) + " of " + std::to_string(settings_.max_concurrent_rollouts) +
              " rollouts are running";
    return false;
  }
  if (settings_.max_rollouts_per_namespace > 0 && local >= settings_.max_rollouts_per_namespace) {
    message = std::to_string(local) + " of " +
              std::to_string(settings_.max_rollouts_per_namespace) + " rollouts in namespace " +
              ctx.ns + " are running";
    return false;
  }
  return true;
}

void CanaryReconciler::observe_scaler(Context& ctx) {
  const auto& ref = ctx.canary.spec.autoscaler_ref;
  if (!ref) return;
  if (ref->kind != "HorizontalPodAutoscaler") {
    ctx.hpa_error = base::fail(
        base::ErrorKind::invalid,
        "Canary " + ctx.key + ": spec.autoscalerRef kind " + ref->kind +
            " is not supported yet; use a HorizontalPodAutoscaler or remove autoscalerRef");
    return;
  }
  const auto where =
      "HorizontalPodAutoscaler " + ctx.ns + "/" + ref->name + " (spec.autoscalerRef)";
  ctx.hpa_error = base::fail(base::ErrorKind::not_found,
                             where + ": autoscaling/v2 and autoscaling/v2beta2 are not served");
  for (const auto& version : hpa_api_versions(*ref)) {
    const auto type = kube::type_of(version, ref->kind);
    auto served = cluster_.resolve(type);
    if (!served) continue;  // e.g. autoscaling/v2 on Kubernetes 1.20
    auto found = cluster_.get({type, ctx.ns, ref->name});
    if (!found) {
      ctx.hpa_error = kube::to_error(found.error(), where);
      return;
    }
    auto primary = cluster_.get({type, ctx.ns, ref->name + "-primary"});
    if (!primary && !primary.is(kube::ErrorType::NotFound)) {  // unknown, not absent
      ctx.hpa_error = kube::to_error(
          primary.error(), "HorizontalPodAutoscaler " + ctx.ns + "/" + ref->name + "-primary");
      return;
    }
    ctx.hpa = *found;
    if (primary) ctx.primary_hpa = *primary;
    ctx.hpa_error.reset();
    return;
  }
}

// Each round runs what `decide` asked for and decides again. An answer stays in `seen` for the
// pass, so a check is asked at most once and the rounds end after at most one per hook type and
// the analysis; a check asked for again (a defect of `decide`) fails the pass, to be retried,
// instead of deciding on without it.
base::Status CanaryReconciler::run_checks(Context& ctx) {
  webhooks::WebhookRunner runner(hooks_);
  auto& seen = ctx.seen;
  {
    std::lock_guard lock(held_mutex_);
    if (auto held = held_.find(ctx.key); held != held_.end()) {
      if (held->second.request_id == analysis_request_id(ctx.canary))
        seen.hooks = held->second.hooks;
      held_.erase(held);
    }
  }
  ctx.decision = decide(ctx.canary, ctx.status, seen, clock_.now(), settings_.decide);
  while (!ctx.decision.needs.empty()) {
    const auto& needs = ctx.decision.needs;
    for (auto type : needs.hooks) {
      if (seen.hooks.count(type))
        return base::fail("Canary " + ctx.key + ": the " + std::string(model::to_string(type)) +
                          " hooks were asked for twice in one pass (a defect; retrying)");
      seen.hooks[type] = runner.run(ctx.canary, type);
    }
    if (needs.analysis) {
      if (seen.analysis)
        return base::fail("Canary " + ctx.key +
                          ": the analysis was asked for twice in one pass (a defect; retrying)");
      auto result = metrics_.result_for(ctx.canary);
      if (!result) {  // `decision` stays the waiting one: the status as read, no actions
        ctx.analysis_running = true;
        std::lock_guard lock(held_mutex_);
        held_[ctx.key] = {analysis_request_id(ctx.canary), seen.hooks};
        return base::Empty{};
      }
      seen.analysis = std::move(*result);
    }
    ctx.decision = decide(ctx.canary, ctx.status, seen, clock_.now(), settings_.decide);
  }
  return base::Empty{};
}

// Writes the decided status when it differs (status_write.hpp).
base::Status CanaryReconciler::write_status(Context& ctx) {
  auto written =
      write_status_if_changed(cluster_, ctx.object, to_json(ctx.decision.status), ctx.key);
  if (written) ctx.canary.status = ctx.decision.status.canary;
  return written;
}

base::Status CanaryReconciler::apply(Context& ctx, const Action& action) {
  if (ctx.knative) {
    if (auto done = apply_knative(ctx, action)) return *done;
  }
  webhooks::WebhookRunner runner(hooks_);
  switch (action.kind) {
    case ActionKind::InitializePrimary: {
      if (auto primary = apply_primary(ctx, true); !primary) return primary;
      if (auto scaler = apply_primary_scaler(ctx, true); !scaler) return scaler;
      // Flagger's order: the apex Service and the routes move to the primary only once it
      // serves, so adopting a Service in use drops no request. `decide` routes on the pass
      // that sees the primary ready.
      if (!ctx.seen.primary.ready) return base::Empty{};
      return apply_router(ctx, meshes::routes_of(ctx.canary, 0, false), false);
    }
    case ActionKind::PromotePrimary: {
      auto primary = apply_primary(ctx, false);
      return primary ? apply_primary_scaler(ctx, false) : primary;
    }
    case ActionKind::ScaleCanaryUp: {
      // From zero: the HPA's minimum (it takes over from there), else what the primary runs.
      long replicas = ctx.hpa       ? hpa_min_replicas(*ctx.hpa)
                      : ctx.primary ? replicas_of(*ctx.primary).value_or(1)
                                    : 1;
      auto current = replicas_of(ctx.target);
      if (current && *current > 0) return base::Empty{};
      return scale_target(ctx, std::max(1L, replicas));
    }
    case ActionKind::ScaleCanaryDown:
      return scale_target(ctx, 0);
    case ActionKind::SetRoutes:
      return apply_router(ctx, action.routes, false);
    case ActionKind::RunPostRolloutHooks: {
      auto result = runner.run(ctx.canary, model::WebhookType::PostRollout);
      if (!result.passed)
        ctx.decision.events.push_back({true, "Post-rollout hook failed: " + result.message});
      return base::Empty{};
    }
    case ActionKind::RestoreTarget: {
      long replicas = ctx.primary ? replicas_of(*ctx.primary).value_or(1) : 1;
      auto current = replicas_of(ctx.target);
      if (current && *current > 0) return base::Empty{};
      return scale_target(ctx, replicas);
    }
    case ActionKind::FinalizeRoutes:
      return apply_router(ctx, {}, true);
    case ActionKind::AddFinalizer:
      return set_finalizer(ctx, true);
    case ActionKind::RemoveFinalizer:
      return set_finalizer(ctx, false);
  }
  return base::Empty{};
}

// A Knative target has no workload of veer's: no primary to create or copy into, nothing to
// scale (Knative scales revisions itself). Its primary is a revision the router writes.
// nullopt: the action is the same as for any target.
std::optional<base::Status> CanaryReconciler::apply_knative(Context& ctx, const Action& action) {
  switch (action.kind) {
    case ActionKind::InitializePrimary:
      if (!ctx.seen.primary.ready) return base::Empty{};
      return apply_router(ctx, meshes::routes_of(ctx.canary, 0, false), false);
    case ActionKind::PromotePrimary:
      // Every phase that asserts a promotion also asserts its routes (decide's steady state),
      // and each router write records the promoted revision (apply_router): nothing more here.
      return base::Empty{};
    case ActionKind::SetRoutes:
      return apply_router(ctx, action.routes, false);
    case ActionKind::FinalizeRoutes:
      return apply_router(ctx, {}, true);
    case ActionKind::ScaleCanaryUp:
    case ActionKind::ScaleCanaryDown:
    case ActionKind::RestoreTarget:
      return base::Empty{};
    case ActionKind::RunPostRolloutHooks:
    case ActionKind::AddFinalizer:
    case ActionKind::RemoveFinalizer:
      return std::nullopt;
  }
  return std::nullopt;
}

base::Status CanaryReconciler::apply_router(Context& ctx, const meshes::Routes& routes,
                                            bool finalize) {
  // A Knative Service routes between its own revisions: no Services of veer's. The primary
  // revision is the one the status being written records.
  if (ctx.knative) {
    const auto& status = ctx.decision.status.canary;
    ctx.routing.primary_revision = knative_primary_revision(ctx.target, status.phase, status);
  }
  auto refs = ctx.knative ? std::vector<meshes::ObjectRef>{} : meshes::service_objects(ctx.routing);
  for (const auto& ref : ctx.router->objects(ctx.routing)) refs.push_back(ref);
  meshes::Observed observed;
  auto read = [&](const kube::ObjectRef& ref) { return read_router_object(ctx, ref); };
  if (auto found = read_router_objects(refs, ctx.ns, read, observed); !found) return found;
  // The router's kind is kept: `invalid` is the user's to fix (reconcile blocks on it).
  std::vector<meshes::Write> writes;
  auto add = [&](meshes::Expected<std::vector<meshes::Write>> result) -> base::Status {
    if (!result) return meshes::to_error(result.error());
    for (auto& w : result.value()) writes.push_back(std::move(w));
    return base::Empty{};
  };
  if (!ctx.knative) {
    auto services = finalize ? add(meshes::finalize_services(ctx.routing, observed))
                             : add(meshes::apply_services(ctx.routing, observed));
    if (!services) return services;
  }
  auto rendered = finalize ? add(ctx.router->finalize(ctx.routing, observed))
                           : add(ctx.router->apply(ctx.routing, routes, observed));
  if (!rendered) return rendered;
  if (finalize) return apply_writes(cluster_, writes);
  // Someone else's edit of veer's fields is undone by these writes anyway; say so, once (the
  // write restamps the object, so the next pass finds nothing).
  std::vector<meshes::Drift> drifts;
  for (const auto& write : writes) {
    const auto& meta = write.object.value("metadata", json::object());
    const json* live =
        observed.find({write.object.value("apiVersion", ""), write.object.value("kind", ""),
                       meta.value("name", ""), meta.value("namespace", "")});
    if (live == nullptr) continue;
    if (auto drift = meshes::drift_of(write, *live)) drifts.push_back(std::move(*drift));
  }
  meshes::stamp_applied(writes);
  if (auto applied = apply_writes(cluster_, writes); !applied) return applied;
  for (const auto& drift : drifts)
    ctx.decision.events.push_back({true, meshes::drift_message(drift)});
  return base::Empty{};
}

base::Status CanaryReconciler::apply_primary(Context& ctx, bool create_only) {
  const auto owner = canary_owner_reference(ctx.object);
  for (const auto& [key, config] : ctx.configs) {
    auto kind = config.value("kind", "");
    const auto& tracked =
        kind == "Secret" ? ctx.tracked.tracked.secrets : ctx.tracked.tracked.config_maps;
    if (!tracked.count(kube::name_of(config))) continue;
    auto copy = primary_config(config, owner);
    auto existing = cluster_.get(kube::ref_of(copy));
    // A failed read is not an absent copy: creating over it would hide the failure.
    if (!existing && !existing.is(kube::ErrorType::NotFound))
      return kube::to_error(existing.error(), "cannot read " + kind + " " + kube::name_of(copy));
    if (existing && create_only) continue;
    if (existing) {
      if (existing->value("data", json()) == copy.value("data", json()) &&
          existing->value("binaryData", json()) == copy.value("binaryData", json()))
        continue;
      copy["metadata"]["resourceVersion"] = kube::resource_version_of(*existing);
      auto updated = cluster_.update(copy);
      if (!updated) return kube::to_error(updated.error());
    } else {
      auto created = cluster_.create(copy);
      if (!created && !created.is(kube::ErrorType::AlreadyExists))
        return kube::to_error(created.error());
    }
  }
  if (ctx.primary && create_only) return base::Empty{};
  std::optional<long> replicas;
  if (ctx.primary) replicas = replicas_of(*ctx.primary);
  const auto& promotion =
      create_only ? ctx.seen.revision : ctx.decision.status.canary.last_applied_spec;
  auto made =
      make_primary(ctx.target, ctx.tracked.tracked, owner, settings_.clone, promotion, replicas);
  if (!made.error.empty()) return base::fail(base::ErrorKind::invalid, made.error);
  if (!ctx.primary) {
    auto created = cluster_.create(made.object);
    if (!created && !created.is(kube::ErrorType::AlreadyExists))
      return kube::to_error(created.error());
    if (created) ctx.primary = *created;
    return base::Empty{};
  }
  json update = *ctx.primary;
  const auto& meta = made.object["metadata"];
  if (model::canonical_json(update["spec"]) == model::canonical_json(made.object["spec"]) &&
      update["metadata"].value("labels", json::object()) == meta["labels"])
    return base::Empty{};
  update["spec"] = made.object["spec"];
  update["metadata"]["labels"] = meta["labels"];
  auto updated = cluster_.update(update);
  if (!updated) return kube::to_error(updated.error());
  ctx.primary = *updated;
  return base::Empty{};
}

base::Status CanaryReconciler::apply_primary_scaler(Context& ctx, bool create_only) {
  const auto& ref = ctx.canary.spec.autoscaler_ref;
  if (!ref) return base::Empty{};
  if (!ctx.hpa) return ctx.hpa_error ? *ctx.hpa_error : base::fail("no HorizontalPodAutoscaler");
  if (ctx.primary_hpa && create_only) return base::Empty{};
  const json workload = {{"apiVersion", ctx.target.value("apiVersion", "apps/v1")},
                         {"kind", ctx.target.value("kind", "Deployment")},
                         {"metadata", {{"name", kube::name_of(ctx.target) + "-primary"}}}};
  auto made = make_primary_hpa(*ctx.hpa, *ref, workload, canary_owner_reference(ctx.object));
  if (!made.error.empty()) return base::fail(base::ErrorKind::invalid, made.error);
  if (!ctx.primary_hpa) {
    auto created = cluster_.create(made.object);
    if (!created && !created.is(kube::ErrorType::AlreadyExists))
      return kube::to_error(created.error());
    if (created) ctx.primary_hpa = *created;
    return base::Empty{};
  }
  if (!primary_hpa_differs(*ctx.primary_hpa, made.object)) return base::Empty{};
  json update = *ctx.primary_hpa;
  update["spec"] = made.object["spec"];
  for (const char* key : {"labels", "annotations"}) {
    if (made.object["metadata"].contains(key)) {
      update["metadata"][key] = made.object["metadata"][key];
    } else {
      update["metadata"].erase(key);
    }
  }
  auto updated = cluster_.update(update);
  if (!updated) return kube::to_error(updated.error());
  ctx.primary_hpa = *updated;
  return base::Empty{};
}

base::Status CanaryReconciler::scale_target(Context& ctx, long replicas) {
  json patch;
  if (ctx.target.value("kind", "") == "DaemonSet") {
    // No replicas: a nodeSelector no node has takes its pods away (revision.hpp).
    const auto& pod_spec = ctx.target["spec"]["template"].value("spec", json::object());
    const auto selector = pod_spec.value("nodeSelector", json::object());
    const bool zero = selector.contains(kScaleToZeroNodeSelector);
    if (zero == (replicas == 0)) return base::Empty{};
    json wanted = nullptr;  // the whole map goes when it held only veer's key
    if (replicas == 0) {
      wanted = {{kScaleToZeroNodeSelector, "true"}};
    } else if (selector.size() > 1) {
      wanted = {{kScaleToZeroNodeSelector, nullptr}};
    }
    patch = {{"spec", {{"template", {{"spec", {{"nodeSelector", wanted}}}}}}}};
  } else {
    auto current = replicas_of(ctx.target);
    if (!current || *current == replicas) return base::Empty{};
    patch = {{"spec", {{"replicas", replicas}}}};
  }
  auto patched = cluster_.patch(kube::ref_of(ctx.target), kube::PatchType::Merge, patch);
  if (!patched) return kube::to_error(patched.error());
  ctx.target = *patched;
  return base::Empty{};
}

base::Status CanaryReconciler::set_finalizer(Context& ctx, bool present) {
  json finalizers = json::array();
  const auto& meta = ctx.object["metadata"];
  if (meta.contains("finalizers") && meta["finalizers"].is_array()) {
    for (const auto& f : meta["finalizers"]) {
      if (f != kFinalizer) finalizers.push_back(f);
    }
  }
  if (present) finalizers.push_back(kFinalizer);
  auto patched = cluster_.patch(kube::ref_of(ctx.object), kube::PatchType::Merge,
                                {{"metadata", {{"finalizers", finalizers}}}});
  if (!patched && !patched.is(kube::ErrorType::NotFound)) return kube::to_error(patched.error());
  return base::Empty{};
}

void CanaryReconciler::write_event(Context& ctx, const Event& event) {
  if (!settings_.write_kubernetes_events) return;
  // Best effort: an event never blocks a rollout. But one not written is said (in the log, with
  // the server's message): a role without `create events` would otherwise go unnoticed.
  if (auto created =
          cluster_.create(event_object(ctx.object, "Canary", ctx.ns, event, clock_.now()));
      !created)
    kube::report_error("creating an Event about Canary " + ctx.key + " (\"" + event.message + "\")",
                       created.error());
}

namespace {

// Whether `event` says again what the previous pass said: the rollout stays where it was (phase,
// weight) for the same reason (`decide` keeps the reason in progress.message and ends a halt or
// hold event with it). Kubernetes folds such repeats into one Event's count; veer does not write
// them at all (status.failedChecks and the history count them), so a fleet held by a slow
// Prometheus costs no Event writes after the first.
bool repeats_previous_pass(const RolloutStatus& before, const RolloutStatus& after,
                           const Event& event) {
  const auto& reason = after.progress.message;
  if (reason.empty() || reason != before.progress.message) return false;
  if (before.canary.phase != after.canary.phase ||
      before.canary.canary_weight != after.canary.canary_weight)
    return false;
  const auto tail = ": " + reason;
  return event.message.size() > tail.size() &&
         event.message.compare(event.message.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void CanaryReconciler::tell(Context& ctx) {
  const auto now = clock_.now();
  webhooks::WebhookRunner runner(hooks_);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  for (const auto& event : ctx.decision.events) {
    if (!event.step && !repeats_previous_pass(ctx.status, ctx.decision.status, event))
      write_event(ctx, event);
    runner.send_event(ctx.canary, event.message, event.warning, ms, settings_.event_webhook);
  }
  for (const auto& alert : ctx.decision.alerts) alerts_.send(ctx.canary, alert);
}

}  // namespace veer::controller
