#include "operator/controller/experiment/experiment_reconciler.hpp"

#include <algorithm>
#include <map>

#include "analysis/experiment/experiment_step.hpp"
#include "base/time_format.hpp"
#include "meshes/experiment_routes.hpp"
#include "meshes/router_switch.hpp"
#include "model/canonical_json.hpp"
#include "operator/controller/event_object.hpp"
#include "operator/controller/experiment/cumulative_counts.hpp"
#include "operator/controller/router_writes.hpp"
#include "operator/controller/status_write.hpp"
#include "operator/controller/workload_health.hpp"
#include "operator/kube/error_sink.hpp"
#include "operator/webhooks/webhook_runner.hpp"

namespace veer::controller::experiment {

using nlohmann::json;
namespace ax = analysis::experiment;

const kube::ResourceType& experiment_type() {
  static const kube::ResourceType type{"veer.dev", "v1beta1", "experiments", "Experiment"};
  return type;
}

struct ExperimentReconciler::Context {
  std::string key;
  std::string ns;
  json object;  // the Experiment as read
  model::Experiment experiment;
  std::string provider;
  std::map<std::string, json> deployments;  // by version name, those that exist
  ExperimentObservations seen;
  meshes::ExperimentRouting routing;
  std::string routing_problem;  // why the versions cannot be routed ("" when they can)
  std::string read_error;       // a version's workload that could not be read (not "absent")
  ExperimentDecision decision;
};

namespace {

// The pod template's part a promotion copies: everything but the labels, which select the
// baseline's own pods.
bool has_finalizer(const json& object) {
  for (const auto& f : object.value("/metadata/finalizers"_json_pointer, json::array()))
    if (f == kExperimentFinalizer) return true;
  return false;
}

bool is_deleting(const json& object) {
  const auto& meta = object.value("metadata", json::object());
  return meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
}

bool performance(const model::Experiment& e) {
  return e.spec.strategy.testing_pattern == model::TestingPattern::Performance;
}

json promoted_part(const json& deployment) {
  json part = deployment.value("/spec/template"_json_pointer, json::object());
  if (part.contains("metadata")) part["metadata"].erase("labels");
  return part;
}

}  // namespace

ExperimentReconciler::ExperimentReconciler(kube::Cluster& cluster, base::Clock& clock,
                                           ExperimentMetrics& metrics,
                                           ExperimentReconcilerSettings settings,
                                           ExperimentOutbound outbound)
    : cluster_(cluster),
      clock_(clock),
      metrics_(metrics),
      settings_(std::move(settings)),
      outbound_(outbound) {}

kube::ReconcileResult ExperimentReconciler::done(Context& ctx, const std::string& error) {
  if (report_) {
    ExperimentReport report;
    report.key = ctx.key;
    report.phase = ctx.decision.status.phase;
    for (const auto& v : ctx.decision.status.versions) report.weights[v.name] = v.weight;
    report.events = ctx.decision.events;
    report.error = error;
    report_(report);
  }
  if (!error.empty()) return {true, std::nullopt, error, false};
  kube::ReconcileResult result;
  if (ctx.decision.requeue_after.count() > 0) result.requeue_after = ctx.decision.requeue_after;
  return result;
}

kube::ReconcileResult ExperimentReconciler::blocked(Context& ctx, const std::string& problem) {
  auto status = ctx.object.value("status", json::object());
  if (status.value("message", "") != problem) {
    status["message"] = problem;
    if (!status.contains("phase")) status["phase"] = "Pending";
    json update = ctx.object;
    update["status"] = status;
    auto written = cluster_.update_status(update);
    ctx.decision.status = ctx.experiment.status;
    if (!written && !written.is(kube::ErrorType::Conflict))  // a conflict: the next pass says it
      return done(ctx, problem + " (and cannot write the status of " + ctx.key + ": " +
                           written.error().message + ")");
    if (written) {
      ctx.object = *written;
      write_event(ctx, {true, problem});
    }
  }
  ctx.decision.status = ctx.experiment.status;
  return done(ctx, problem);
}

kube::ReconcileResult ExperimentReconciler::reconcile(const std::string& key) {
  Context ctx;
  ctx.key = key;
  auto [ns, name] = kube::split_key(key);
  ctx.ns = ns;
  auto got = cluster_.get({experiment_type(), ns, name});
  if (!got) {
    if (got.is(kube::ErrorType::NotFound)) return {};
    return done(ctx, got.error().message);
  }
  ctx.object = *got;
  if (is_deleting(ctx.object)) return finalize(ctx);
  auto parsed = model::parse_experiment(ctx.object);
  if (!parsed.ok()) {
    std::string problems;
    for (const auto& e : parsed.errors)
      problems += (problems.empty() ? "" : "; ") + model::to_string(e);
    return blocked(ctx, "Experiment " + key + " is invalid: " + problems);
  }
  ctx.experiment = parsed.value;
  if (ctx.experiment.metadata.namespace_.empty()) ctx.experiment.metadata.namespace_ = ns;
  const bool routable = observe(ctx);
  // A read that failed (a refused GET above all) is no missing Deployment to wait for.
  if (!ctx.read_error.empty()) return done(ctx, ctx.read_error);
  if (!routable) return blocked(ctx, ctx.routing_problem);
  // Held before the first route is written, so a deletion at any later moment is finalized.
  if (auto held = hold_finalizer(ctx, true); !held) return done(ctx, held.error().message);

  const auto now = clock_.now();
  if (ctx.experiment.status.phase == model::ExperimentPhase::Running &&
      ctx.routing_problem.empty() && !performance(ctx.experiment) &&
      ctx.experiment.spec.strategy.testing_pattern != model::TestingPattern::Conformance) {
    meshes::Observed observed;
    const auto read = router_objects(ctx, observed);
    // A router that cannot be read has not been seen applying the routes either.
    ctx.seen.routes_pending =
        !read ? read.error().message
              : meshes::experiment_routes_pending(ctx.provider, ctx.routing, observed);
  }
  ctx.decision = decide_experiment(ctx.experiment, ctx.seen, now, settings_.decide);
  // What the decision asks for (a look's measurement, a gate's answer), then decide again. An
  // answer stays for the pass, so each is asked once and the rounds end; one asked for again (a
  // defect of the decision) fails the pass, to be retried, instead of deciding on without it.
  bool measured = false;
  while (ctx.decision.needs_step || ctx.decision.needs_gate) {
    if (ctx.decision.needs_step) {
      if (measured)
        return done(ctx, "Experiment " + key + ": a look was asked for twice in one pass");
      measure(ctx);
      measured = true;
    }
    if (const auto gate = ctx.decision.needs_gate) {
      if (ctx.seen.gates.count(*gate))
        return done(ctx, "Experiment " + key + ": the " + std::string(model::to_string(*gate)) +
                             " gate was asked for twice in one pass");
      ctx.seen.gates[*gate] = run_gate(ctx, *gate);
    }
    ctx.decision = decide_experiment(ctx.experiment, ctx.seen, now, settings_.decide);
  }
  if (auto retired = retire_previous_router(ctx); !retired)
    return done(ctx, retired.error().message);
  // The status first, as the intent: a pass killed after it applies the same routes again.
  if (auto written =
          write_status_if_changed(cluster_, ctx.object, model::to_json(ctx.decision.status), key);
      !written)
    return done(ctx, written.error().message);
  std::string errors;
  for (const auto& action : ctx.decision.actions) {
    if (auto applied = apply(ctx, action); !applied)
      errors += (errors.empty() ? "" : "; ") + applied.error().message;
  }
  tell(ctx);
  return done(ctx, errors);
}

HookResult ExperimentReconciler::run_gate(Context& ctx, model::WebhookType type) {
  if (!outbound_.hooks)
    return {false, "this operator has no webhook client to call spec.webhooks", false};
  webhooks::WebhookRunner runner(*outbound_.hooks);
  return runner.run(ctx.experiment, type);
}

// Events, then alerts (with the status just written, so they carry the new phase and winner).
void ExperimentReconciler::tell(Context& ctx) {
  for (const auto& event : ctx.decision.events) write_event(ctx, event);
  if (!outbound_.alerts || ctx.decision.alerts.empty()) return;
  auto told = ctx.experiment;
  told.status = ctx.decision.status;
  for (const auto& alert : ctx.decision.alerts) outbound_.alerts->send(told, alert);
}

// Adds (held) or removes the finalizer when it is not so already.
base::Status ExperimentReconciler::hold_finalizer(Context& ctx, bool held) {
  if (has_finalizer(ctx.object) == held) return base::Empty{};
  json update = ctx.object;
  auto& finalizers = update["metadata"]["finalizers"];
  if (!finalizers.is_array()) finalizers = json::array();
  if (held) {
    finalizers.push_back(kExperimentFinalizer);
  } else {
    json kept = json::array();
    for (const auto& f : finalizers)
      if (f != kExperimentFinalizer) kept.push_back(f);
    finalizers = kept;
  }
  auto written = cluster_.update(update);
  if (!written) {
    return kube::to_error(written.error(), std::string(held ? "adding" : "removing") +
                                               " finalizer " + kExperimentFinalizer + " on " +
                                               ctx.key);
  }
  ctx.object = *written;
  return base::Empty{};
}

// Deleted: the router object veer adopted goes back to the user's spec (what veer created, and
// the version Services, go with the Experiment through their owner references), then the
// finalizer is released. An Experiment that cannot be read as valid has nothing to restore.
kube::ReconcileResult ExperimentReconciler::finalize(Context& ctx) {
  if (!has_finalizer(ctx.object)) return {};
  auto parsed = model::parse_experiment(ctx.object);
  if (parsed.ok()) {
    ctx.experiment = parsed.value;
    if (ctx.experiment.metadata.namespace_.empty()) ctx.experiment.metadata.namespace_ = ctx.ns;
    ctx.decision.status = ctx.experiment.status;
    observe(ctx);
    if (!ctx.read_error.empty()) return done(ctx, ctx.read_error);
    // The routes went through the provider the status records: spec.provider may name another
    // one since (changed, then deleted before a routing pass retired the old router).
    if (!ctx.decision.status.router.empty()) ctx.provider = ctx.decision.status.router;
    // A failed read is no "absent": the finalizer stays until the user's object is known.
    meshes::Observed observed;
    if (auto read = router_objects(ctx, observed); !read) return done(ctx, read.error().message);
    auto writes = meshes::restore_experiment_routes(ctx.provider, ctx.routing, observed);
    if (!writes) return done(ctx, writes.error().message);
    if (auto applied = apply_writes(cluster_, writes.value()); !applied)
      return done(ctx, applied.error().message);
  }
  auto released = hold_finalizer(ctx, false);
  return done(ctx, released ? "" : released.error().message);
}

bool ExperimentReconciler::observe(Context& ctx) {
  const auto& spec = ctx.experiment.spec;
  std::map<std::string, json> selectors;
  bool all_exist = true;
  for (const auto* v : spec.versions()) {
    const auto& ref = v->target_ref;
    const auto api_version = ref.api_version.empty() ? "apps/v1" : ref.api_version;
    const auto kind = ref.kind.empty() ? "Deployment" : ref.kind;
    VersionObservation seen{v->name, {}};
    auto found = cluster_.get({kube::type_of(api_version, kind), ctx.ns, ref.name});
    if (found) {
      seen.health = workload_health(*found, 100);
      selectors[v->name] = found->value("/spec/selector/matchLabels"_json_pointer, json::object());
      ctx.deployments[v->name] = *found;
    } else {
      all_exist = false;
      seen.health.message = found.error().message;
      if (!found.is(kube::ErrorType::NotFound) && ctx.read_error.empty())
        ctx.read_error = "cannot read " + std::string(kind) + " " + ctx.ns + "/" + ref.name +
                         " (version " + v->name + "): " + found.error().message;
    }
    ctx.seen.versions.push_back(std::move(seen));
  }
  const auto& winner = ctx.experiment.status.winner;
  if (!winner.empty() && ctx.deployments.count(winner) && ctx.deployments.count(spec.baseline.name))
    ctx.seen.baseline_runs_winner =
        model::canonical_json(promoted_part(ctx.deployments[spec.baseline.name])) ==
        model::canonical_json(promoted_part(ctx.deployments[winner]));

  ctx.provider = spec.provider.empty() ? settings_.default_provider : spec.provider;
  ctx.routing = meshes::experiment_routing_of(ctx.experiment, selectors);
  ctx.routing.nginx_annotation_prefix = settings_.ingress_annotations_prefix;
  if (spec.strategy.testing_pattern == model::TestingPattern::Conformance) return true;
  ctx.routing_problem = performance(ctx.experiment)
                            ? meshes::experiment_services_problem(ctx.routing)
                            : meshes::experiment_routing_problem(ctx.provider, ctx.routing);
  // A missing Deployment is waited for (the decision says so); any other problem is the user's.
  return ctx.routing_problem.empty() || !all_exist;
}

void ExperimentReconciler::measure(Context& ctx) {
  const auto& status = ctx.experiment.status;
  const auto now = clock_.now();
  const auto last = base::parse_time(status.last_update_time).value_or(now);
  const double window = std::chrono::duration<double>(now - last).count();
  auto measured = metrics_.measure(ctx.experiment, window);
  if (!measured) {
    ctx.seen.step_error = measured.error().message;
    return;
  }
  auto totals = cumulative_counts(status, *measured);
  if (!totals) {
    ctx.seen.step_error = totals.error().message;
    return;
  }
  auto step =
      ax::experiment_step(ctx.experiment.spec, ctx.experiment.metadata.uid, status, *totals);
  if (!step) {
    ctx.seen.step_error = step.error().message;
    return;
  }
  ctx.seen.step = *step;
  ctx.seen.counts = *totals;
}

base::Status ExperimentReconciler::apply(Context& ctx, const ExperimentAction& action) {
  switch (action.kind) {
    case ExperimentActionKind::SetRoutes:
      return route(ctx, action.weights);
    case ExperimentActionKind::PromoteWinner:
      return promote(ctx, action.winner);
  }
  return base::Empty{};
}

// The apex and version Services and the router's objects, those that exist, into `observed`;
// fails when one could not be read (never taken for absent).
base::Status ExperimentReconciler::router_objects(Context& ctx, meshes::Observed& observed) {
  auto get = [this](const kube::ObjectRef& ref) { return cluster_.get(ref); };
  return read_router_objects(meshes::experiment_objects(ctx.provider, ctx.routing), ctx.ns, get,
                             observed);
}

base::Status ExperimentReconciler::route(Context& ctx, const Weights& weights) {
  // Waiting for a Deployment: nothing to route yet.
  if (!ctx.routing_problem.empty()) return base::Empty{};
  meshes::Observed observed;
  if (auto read = router_objects(ctx, observed); !read) return read;
  meshes::VersionWeights wanted(weights.begin(), weights.end());
  // Performance shifts no traffic: only the version Services the load is aimed at.
  auto writes = performance(ctx.experiment)
                    ? meshes::apply_experiment_services(ctx.routing, observed)
                    : meshes::apply_experiment_routes(ctx.provider, ctx.routing, wanted, observed);
  if (!writes) return meshes::to_error(writes.error());
  return apply_writes(cluster_, writes.value());
}

// Before a pass routes through spec.provider, the provider the routes last went through
// (status.router) stops routing (meshes/router_switch.hpp): two routers never split the same
// Experiment's traffic. Only a pass that sets routes does it, so a finished Experiment's routing
// is left as it ended. The provider is recorded with this pass's status: a pass that fails after
// the writes retires nothing twice, what is gone reads as absent.
base::Status ExperimentReconciler::retire_previous_router(Context& ctx) {
  const auto& actions = ctx.decision.actions;
  const bool routes = !performance(ctx.experiment) && ctx.routing_problem.empty() &&
                      std::any_of(actions.begin(), actions.end(), [](const ExperimentAction& a) {
                        return a.kind == ExperimentActionKind::SetRoutes;
                      });
  auto& recorded = ctx.decision.status.router;
  if (!routes || recorded == ctx.provider) return base::Empty{};
  if (!recorded.empty()) {
    std::vector<meshes::ObjectRef> named;  // an nginx Ingress the spec no longer names is not read
    for (auto& ref : meshes::experiment_objects(recorded, ctx.routing))
      if (!ref.name.empty()) named.push_back(std::move(ref));
    meshes::Observed observed;
    auto get = [this](const kube::ObjectRef& ref) { return cluster_.get(ref); };
    if (auto read = read_router_objects(named, ctx.ns, get, observed, " of provider " + recorded);
        !read)
      return read;
    auto writes = meshes::retire_experiment_routes(recorded, ctx.provider, ctx.routing, observed);
    if (!writes) return meshes::to_error(writes.error());
    if (auto applied = apply_writes(cluster_, writes.value()); !applied) return applied;
    if (auto said = retired_text(writes.value()); !said.empty())
      write_event(
          ctx, {false, "Provider changed from " + recorded + " to " + ctx.provider + ": " + said});
  }
  recorded = ctx.provider;
  return base::Empty{};
}

base::Status ExperimentReconciler::promote(Context& ctx, const std::string& winner) {
  const auto& baseline_name = ctx.experiment.spec.baseline.name;
  auto from = ctx.deployments.find(winner);
  auto to = ctx.deployments.find(baseline_name);
  if (from == ctx.deployments.end() || to == ctx.deployments.end())
    return base::fail(base::ErrorKind::not_found,
                      "cannot promote " + winner + ": its Deployment or the baseline's is missing");
  if (ctx.seen.baseline_runs_winner) return base::Empty{};
  json update = to->second;
  const auto labels = update.value("/spec/template/metadata/labels"_json_pointer, json::object());
  update["spec"]["template"] = promoted_part(from->second);
  if (!labels.empty()) update["spec"]["template"]["metadata"]["labels"] = labels;
  auto updated = cluster_.update(update);
  if (!updated) {
    return kube::to_error(updated.error(), "promoting " + winner);
  }
  to->second = *updated;
  return base::Empty{};
}

void ExperimentReconciler::write_event(Context& ctx, const Event& event) {
  if (!settings_.write_kubernetes_events) return;
  // Best effort: an event never blocks an experiment. But one not written is said (in the log,
  // with the server's message): a role without `create events` would otherwise go unnoticed.
  if (auto created =
          cluster_.create(event_object(ctx.object, "Experiment", ctx.ns, event, clock_.now()));
      !created)
    kube::report_error(
        "creating an Event about Experiment " + ctx.key + " (\"" + event.message + "\")",
        created.error());
}

}  // namespace veer::controller::experiment
