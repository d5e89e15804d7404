#include "operator/controller/experiment/tests/support/world.hpp"

#include <doctest/doctest.h>

#include <random>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::controller::experiment::testing {

using nlohmann::json;
namespace ax = analysis::experiment;
namespace sim = controller::simulation;

base::Outcome<std::vector<ax::VersionCounts>> ScriptedVersions::measure(const model::Experiment& e,
                                                                        double) {
  ++calls;
  if (outage) return base::fail("Prometheus at http://prometheus:9090 is unreachable");
  std::vector<ax::VersionCounts> out;
  const auto look = e.status.completed_iterations;
  for (const auto* v : e.spec.versions()) {
    int weight = 0;
    for (const auto& s : e.status.versions)
      if (s.name == v->name) weight = s.weight;
    std::seed_seq seed(v->name.begin(), v->name.end());
    std::mt19937_64 rng(seed);
    rng.discard(static_cast<unsigned long long>(look) * 4);
    const double share =
        e.spec.strategy.testing_pattern == model::TestingPattern::Performance ? 1 : weight / 100.0;
    const auto n = static_cast<std::uint64_t>(requests_per_look_ * share);
    const auto& rates = rates_.at(v->name);
    std::binomial_distribution<std::uint64_t> ok(n, rates.success);
    std::binomial_distribution<std::uint64_t> converted(n, rates.conversion);
    std::binomial_distribution<std::uint64_t> slow(n, rates.slow);
    ax::VersionCounts c;
    c.name = v->name;
    c.requests = n;
    c.metrics["requests"] = {n, n};
    c.metrics["request-success-rate"] = {ok(rng), n};
    c.metrics["conversion-rate"] = {converted(rng), n};
    const auto slow_count = slow(rng);
    for (const auto& m : e.spec.metrics)
      if (m.name == "slow-requests") c.metrics["slow-requests"] = {slow_count, n};
    c.metrics.erase("requests");
    out.push_back(c);
  }
  return out;
}

World::World(json doc, std::map<std::string, TrueRates> rates, double requests_per_look)
    : metrics(std::move(rates), requests_per_look) {
  for (const auto& info : sim::served_types()) cluster.add_type(info);
  cluster.add_type({experiment_type(), true, true});
  REQUIRE(cluster.create(
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "shop"}}}}));
  REQUIRE(cluster.create(sim::deployment("shop", "checkout", "checkout:current")));
  REQUIRE(cluster.create(sim::deployment("shop", "checkout-one-page", "checkout:one-page")));
  REQUIRE(cluster.create(sim::deployment("shop", "checkout-express", "checkout:express")));
  doc["metadata"].erase("generation");
  REQUIRE(cluster.create(doc));
}

kube::ReconcileResult World::pass() {
  sim::kubelet_pass(cluster, "shop", {}, gateway_accepts);
  ExperimentReconciler reconciler(*api, clock, metrics, {}, outbound);
  auto result = reconciler.reconcile("shop/checkout-redesign");
  if (result.failed) last_error = result.error;
  clock.advance(result.requeue_after.value_or(std::chrono::seconds(5)));
  return result;
}

void World::run(int limit) {
  for (int i = 0; i < limit; ++i) {
    const auto p = phase();
    if (p == "Completed" || p == "Failed" || p == "Aborted") break;
    pass();
  }
}

json World::experiment() {
  return *cluster.get({experiment_type(), "shop", "checkout-redesign"});
}

std::string World::phase() {
  return experiment().value("status", json::object()).value("phase", "");
}

json World::get(const std::string& api_version, const std::string& kind, const std::string& name) {
  auto found = cluster.get({kube::type_of(api_version, kind), "shop", name});
  return found ? *found : json();
}

std::string World::image_of(const std::string& deployment) {
  return sim::image_of(get("apps/v1", "Deployment", deployment));
}

std::map<std::string, int> World::routed() {
  std::map<std::string, int> out;
  auto vs = get("networking.istio.io/v1beta1", "VirtualService", "checkout");
  if (!vs.contains("spec")) return out;
  for (const auto& r : vs["spec"]["http"][0]["route"])
    out[r["destination"]["host"].get<std::string>()] = r.value("weight", 0);
  return out;
}

std::vector<json> World::events() {
  auto list = cluster.list(kube::type_of("v1", "Event"), "shop");
  return list ? list->items : std::vector<json>{};
}

}  // namespace veer::controller::experiment::testing
