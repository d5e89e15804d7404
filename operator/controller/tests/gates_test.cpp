#include <doctest/doctest.h>

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/gates.hpp"
#include "operator/controller/simulation.hpp"
#include "operator/controller/status_table.hpp"
#include "operator/kube/memory_cluster.hpp"

using namespace veer::controller;
using nlohmann::json;
namespace sim = veer::controller::simulation;

TEST_CASE("gate requests are annotations on the Canary, pause/resume set and clear one") {
  veer::base::SimulatedClock clock;
  veer::kube::MemoryCluster cluster(clock);
  for (const auto& info : sim::served_types()) cluster.add_type(info);
  REQUIRE(cluster.create(sim::canary("default", "podinfo", "istio")));
  auto annotations = [&] {
    return (*cluster.get({canary_type(), "default", "podinfo"}))["metadata"].value("annotations",
                                                                                   json::object());
  };
  CHECK(request_gate(cluster, "default", "podinfo", Gate::Promote, "t1").empty());
  CHECK(annotations()[kPromoteAnnotation] == "t1");
  CHECK(request_gate(cluster, "default", "podinfo", Gate::Pause, "t2").empty());
  CHECK(annotations()[kPausedAnnotation] == "true");
  CHECK(request_gate(cluster, "default", "podinfo", Gate::Resume, "t3").empty());
  CHECK_FALSE(annotations().contains(kPausedAnnotation));
  CHECK(annotations()[kPromoteAnnotation] == "t1");

  auto missing = request_gate(cluster, "default", "nope", Gate::Abort, "t4");
  CHECK(missing.find("Canary default/nope not found") != std::string::npos);
  CHECK(parse_gate("retry") == Gate::Retry);
  CHECK_FALSE(parse_gate("approve"));
}

TEST_CASE("status rows read phase, weight, verdicts and what the canary waits for") {
  json canary = {
      {"metadata", {{"name", "podinfo"}, {"namespace", "shop"}}},
      {"status",
       {{"phase", "Progressing"},
        {"canaryWeight", 20},
        {"failedChecks", 1},
        {"lastTransitionTime", "2026-11-22T01:00:00Z"},
        {"evidence",
         {{"metrics", json::array({{{"name", "request-success-rate"}, {"verdict", "pass"}},
                                   {{"name", "latency"}, {"verdict", "no-data"}}})}}},
        {"rollout", {{"waitingFor", "confirm-traffic-increase"}}}}}};
  auto row = row_of(canary);
  CHECK(row.weight == 20);
  CHECK(row.verdict == "request-success-rate: pass, latency: no-data");
  CHECK(row.note == "waiting for confirm-traffic-increase");
  CHECK(render_line(row) ==
        "shop/podinfo  Progressing  [##........] 20%  request-success-rate: pass, latency: "
        "no-data  (waiting for confirm-traffic-increase)");
  auto table =
      render_table({row, row_of({{"metadata", {{"name", "new"}, {"namespace", "shop"}}}})});
  CHECK(table.find("NAMESPACE  NAME     PHASE") == 0);
  CHECK(table.find("shop       new      Pending") != std::string::npos);
}
