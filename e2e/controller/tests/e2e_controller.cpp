// The Canary controller end to end on a real kube-apiserver (e2e/cluster): `veer operator` runs
// as its own process with a least-privilege ServiceAccount, the test stands in for the kubelet
// and for Prometheus, and drives whole rollouts per router: a good revision is promoted, a bad
// one rolled back, the router objects follow each step, `veer promote` / `veer abort` act, and
// an operator killed with SIGKILL mid-rollout and started again finishes the same rollout. A
// Knative Service target runs on the upstream Knative CRDs, with the test standing in for
// Knative's controller (revisions and their readiness).
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "e2e/controller/tests/support/scenario.hpp"

namespace veer::e2e {
namespace {

constexpr const char* kGood1 = "ghcr.io/veer-e2e/podinfo:1.0.0";
constexpr const char* kGood2 = "ghcr.io/veer-e2e/podinfo:2.0.0";
constexpr const char* kBad = "ghcr.io/veer-e2e/podinfo:3.0.0-bad";
constexpr const char* kGood4 = "ghcr.io/veer-e2e/podinfo:4.0.0";
constexpr const char* kGood5 = "ghcr.io/veer-e2e/podinfo:5.0.0";

const Split kAllPrimary{100, 0};

enum class Extra { Promote, Abort, Kill };

// Brings the scenario up to Initialized; nullptr (after reporting why) when it cannot.
std::unique_ptr<Scenario> initialized(E2eCluster& cluster, const RouterCase& router) {
  auto scenario = std::make_unique<Scenario>(cluster, router);
  const auto error = scenario->set_up(kGood1);
  if (!error.empty()) {
    FAIL_CHECK("setting up " << router.label << ": " << error);
    return nullptr;
  }
  const auto init = scenario->wait_initialized();
  if (!init.empty()) {
    FAIL_CHECK(init);
    return nullptr;
  }
  CHECK(scenario->primary_image() == kGood1);
  const auto state = scenario->observe();
  CHECK_MESSAGE(state.split == kAllPrimary, "after initialization: " << to_string(state));
  return scenario;
}

// What every finished run leaves: the router back on the primary, the target scaled to zero.
void check_at_rest(Scenario& s, const Trail& trail) {
  const auto last = s.observe();
  CHECK_MESSAGE(last.split == kAllPrimary, "at the end: " << to_string(last) << "\n"
                                                          << trail.describe());
  CHECK(last.weight == 0);
  CHECK(s.target_replicas() == 0);
}

// Each step the status announced reached the router objects, in order.
void check_steps(Scenario& s, const Trail& trail, const std::vector<int>& weights) {
  for (int w : weights) {
    if (s.router().blue_green) continue;
    CHECK_MESSAGE(trail.saw_weight(w), "status weight " << w << " never seen:\n"
                                                        << trail.describe());
    CHECK_MESSAGE(trail.saw_split(Split{100 - w, w}), "router split " << 100 - w << "/" << w
                                                                      << " never seen:\n"
                                                                      << trail.describe());
  }
  for (const auto& state : trail.states) {
    if (!state.split) continue;
    // Blue/green never shifts traffic by weight: the apex Service stays on the primary.
    if (s.router().blue_green)
      CHECK_MESSAGE(*state.split == kAllPrimary, to_string(state));
    else
      CHECK_MESSAGE(state.split->canary <= 20, to_string(state));
  }
}

void good_is_promoted(Scenario& s, const std::string& image) {
  auto trail = s.roll_out(image);
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe());
  check_steps(s, trail, {10, 20});
  if (s.router().blue_green) CHECK_MESSAGE(trail.max_iterations() == 2, trail.describe());
  CHECK(s.primary_image() == image);
  check_at_rest(s, trail);
}

void bad_is_rolled_back(Scenario& s, const std::string& previous) {
  auto trail = s.roll_out(kBad);
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Failed", trail.describe());
  check_steps(s, trail, {10});
  CHECK_MESSAGE(trail.max_weight() < 20, "a failing canary must not advance:\n"
                                             << trail.describe());
  CHECK(s.primary_image() == previous);
  check_at_rest(s, trail);
}

// A rollout is "under way" once traffic (or, for blue/green, an iteration) reached the canary.
bool under_way(const Scenario& s, const State& state) {
  return state.phase == "Progressing" &&
         (s.router().blue_green ? state.iterations >= 1 : state.weight >= 10);
}

// Rolls out `image` and, once it is under way, runs `veer <verb>` as a user would.
Trail roll_out_with_gate(Scenario& s, const std::string& image, const std::string& verb) {
  CommandResult cli;
  bool asked = false;
  auto trail = s.roll_out(image, [&](const State& state) {
    if (asked || !under_way(s, state)) return;
    asked = true;
    cli = s.veer_cli(verb);
  });
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  REQUIRE_MESSAGE(asked, "the rollout never got under way:\n" << trail.describe());
  CHECK_MESSAGE(cli.status == 0, "veer " << verb << ": " << cli.out);
  return trail;
}

void promote_gate(Scenario& s) {
  auto trail = roll_out_with_gate(s, kGood4, "promote");
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe());
  // Promoted before the analysis would have finished on its own.
  if (s.router().blue_green)
    CHECK_MESSAGE(trail.max_iterations() < 2, trail.describe());
  else
    CHECK_MESSAGE(trail.max_weight() < 20, trail.describe());
  CHECK(s.primary_image() == kGood4);
  check_at_rest(s, trail);
}

void abort_gate(Scenario& s, const std::string& previous) {
  auto trail = roll_out_with_gate(s, kGood4, "abort");
  CHECK_MESSAGE(trail.end_phase() == "Failed", trail.describe());
  CHECK(s.primary_image() == previous);
  check_at_rest(s, trail);
}

void killed_mid_rollout(Scenario& s) {
  bool killed = false;
  std::string restart_error;
  std::optional<Split> split_while_down;
  auto trail = s.roll_out(kGood5, [&](const State& state) {
    if (killed || !under_way(s, state) || !state.split || state.split->canary == 0) return;
    killed = true;
    s.operator_process().kill9();
    split_while_down = s.observe().split;  // what the mesh keeps serving meanwhile
    restart_error = s.operator_process().start();
  });
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  REQUIRE(killed);
  CHECK_MESSAGE(restart_error.empty(), restart_error);
  CHECK_MESSAGE((split_while_down && split_while_down->canary > 0),
                "the split while the operator was down: "
                    << (split_while_down ? to_string(*split_while_down) : "unreadable"));
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe());
  check_steps(s, trail, {10, 20});
  CHECK(s.primary_image() == kGood5);
  CHECK(s.operator_process().starts() == 2);
  check_at_rest(s, trail);
}

// What every case ends with: the analysis asked the metrics server only what it knows, the
// operator stops cleanly, and it was never refused an API call.
void check_end(Scenario& s) {
  CHECK_MESSAGE(s.prometheus().queries() > 0, "the analysis never asked the metrics server");
  CHECK_MESSAGE(s.prometheus().unknown_queries().empty(),
                "queries the fake Prometheus did not understand: "
                    << s.prometheus().unknown_queries().front());
  // A clean shutdown on SIGTERM (under ASan this also says it leaked nothing).
  const auto ended = s.operator_process().terminate();
  CHECK_MESSAGE(ended == "exited with 0",
                "veer operator on SIGTERM: " << ended << "\n"
                                             << s.operator_process().log_tail());
  const auto forbidden = s.forbidden_log_lines();
  CHECK_MESSAGE(forbidden.empty(), "e2e/controller/rbac.yaml lacks a permission: "
                                       << (forbidden.empty() ? "" : forbidden.front()));
}

void run_router(const RouterCase& router, const std::vector<Extra>& extras) {
  auto cluster = E2eCluster::from_environment();
  if (!cluster) return;  // skipped: no server configured
  const auto crds_error = cluster->install_crds();
  REQUIRE_MESSAGE(crds_error.empty(), crds_error);
  auto s = initialized(*cluster, router);
  REQUIRE(s);
  INFO("namespace " << s->ns() << ", operator log " << s->operator_process().log_tail(1500));
  good_is_promoted(*s, kGood2);
  bad_is_rolled_back(*s, kGood2);
  std::string promoted = kGood2;
  for (auto extra : extras) {
    switch (extra) {
      case Extra::Promote:
        promote_gate(*s);
        promoted = kGood4;
        break;
      case Extra::Abort:
        abort_gate(*s, promoted);
        break;
      case Extra::Kill:
        killed_mid_rollout(*s);
        promoted = kGood5;
        break;
    }
  }
  check_end(*s);
}

// A Knative Service's spec.traffic as "<revision or latest>=<percent>" pairs, in order.
std::string knative_traffic(Scenario& s) {
  std::string out;
  const auto service = s.knative_service();
  if (!service.is_object()) return "no Knative Service";
  for (const auto& t : service["spec"].value("traffic", nlohmann::json::array())) {
    out += out.empty() ? "" : " ";
    out += t.value("latestRevision", false) ? "latest" : t.value("revisionName", "?");
    out += "=" + std::to_string(t.value("percent", -1));
  }
  return out;
}

// A finished Knative run: all traffic on `primary`, the revision the Service names as primary.
void check_knative_at_rest(Scenario& s, const Trail& trail, const std::string& primary) {
  CHECK_MESSAGE(s.primary_revision() == primary, trail.describe());
  CHECK_MESSAGE(knative_traffic(s) == "latest=0 " + primary + "=100", trail.describe());
  const auto last = s.observe();
  CHECK_MESSAGE(last.split == kAllPrimary, "at the end: " << to_string(last));
  CHECK(last.weight == 0);
  CHECK(s.canary_status().value("lastPromotedSpec", "") == primary);
}

// Every state the test saw had traffic targets it could read (latest revision and primary).
void check_traffic_readable(const Trail& trail) {
  for (const auto& state : trail.states)
    CHECK_MESSAGE(state.split.has_value(), to_string(state) << "\n" << trail.describe());
}

}  // namespace

TEST_CASE(
    "istio (--mesh-provider): good promoted, bad rolled back, veer promote, kill -9 mid-rollout") {
  run_router({"istio", "istio"}, {Extra::Promote, Extra::Kill});
}

TEST_CASE(
    "linkerd (SMI TrafficSplit, spec.provider over --mesh-provider istio): good promoted, bad "
    "rolled back, veer abort") {
  run_router({"linkerd", "linkerd", false, true}, {Extra::Abort});
}

TEST_CASE(
    "gatewayapi (HTTPRoute, --mesh-provider): good promoted, bad rolled back, kill -9 "
    "mid-rollout") {
  run_router({"gatewayapi", "gatewayapi"}, {Extra::Kill});
}

TEST_CASE(
    "nginx (canary Ingress, spec.provider over --mesh-provider istio): good promoted, bad rolled "
    "back, veer abort") {
  run_router({"nginx", "nginx", false, true}, {Extra::Abort});
}

TEST_CASE(
    "kubernetes (blue/green, --mesh-provider): good promoted, bad rolled back, veer promote") {
  run_router({"kubernetes", "kubernetes", true}, {Extra::Promote});
}

TEST_CASE(
    "knative (Service traffic between revisions on the upstream Knative CRDs, spec.provider over "
    "--mesh-provider istio): unready revision gets no traffic, good promoted, bad rolled back") {
  auto cluster = E2eCluster::from_environment();
  if (!cluster) return;  // skipped: no server configured
  const auto crds = upstream_crds_dir();
  if (crds.empty()) return;  // skipped: a clone without the upstream CRDs
  const auto installed = cluster->install_crds();
  REQUIRE_MESSAGE(installed.empty(), installed);
  const auto knative_crds =
      cluster->install_upstream_crds(crds, {"knative_services.yaml", "knative_configurations.yaml",
                                            "knative_revisions.yaml", "knative_routes.yaml"});
  REQUIRE_MESSAGE(knative_crds.empty(), knative_crds);
  auto s = initialized(*cluster, {"knative", "knative", false, true});
  REQUIRE(s);
  INFO("namespace " << s->ns() << ", operator log " << s->operator_process().log_tail(1500));
  CHECK(s->primary_revision() == "podinfo-00001");
  CHECK(knative_traffic(*s) == "latest=0 podinfo-00001=100");
  CHECK(s->canary_status().value("lastPromotedSpec", "") == "podinfo-00001");

  // The new revision deploys for a while, as Knative's do: past an analysis interval it gets no
  // traffic and no step; then it is ready, analysed and promoted.
  s->knative().hold("podinfo-00002");
  bool held = false;
  auto trail = s->roll_out(kGood2, [&](const State&) {
    if (held) return;
    held = true;
    for (int i = 0; i < 15; ++i) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const auto state = s->observe();
      CHECK_MESSAGE((state.weight == 0 && state.split == kAllPrimary),
                    "an unready revision got traffic: " << to_string(state));
    }
    s->knative().release("podinfo-00002");
  });
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  CHECK(held);
  CHECK_MESSAGE(trail.end_phase() == "Succeeded", trail.describe());
  check_steps(*s, trail, {10, 20});
  check_traffic_readable(trail);
  CHECK(s->primary_image() == kGood2);
  check_knative_at_rest(*s, trail, "podinfo-00002");

  // A failing revision: rolled back to the recorded primary revision after the first step.
  trail = s->roll_out(kBad);
  REQUIRE_MESSAGE(trail.error.empty(), trail.describe());
  CHECK_MESSAGE(trail.end_phase() == "Failed", trail.describe());
  check_steps(*s, trail, {10});
  check_traffic_readable(trail);
  CHECK_MESSAGE(trail.max_weight() < 20, "a failing canary must not advance:\n"
                                             << trail.describe());
  CHECK(s->primary_image() == kGood2);
  check_knative_at_rest(*s, trail, "podinfo-00002");
  CHECK(s->canary_status().value("lastAppliedSpec", "") == "podinfo-00003");

  // No copy of veer's: the revisions are the primary and the canary.
  for (const char* api_version : {"apps/v1", "v1"}) {
    const auto kind = std::string(api_version) == "v1" ? "Service" : "Deployment";
    auto copy = cluster->api().get({kube::type_of(api_version, kind), s->ns(), "podinfo-primary"});
    CHECK_MESSAGE(copy.is(kube::ErrorType::NotFound),
                  kind << " podinfo-primary exists or is unreadable");
  }
  check_end(*s);
}

}  // namespace veer::e2e
