// A pass reads the router's objects once (issue 19): the reads that tell whether the routes are
// applied yet (routes_pending) serve the route write that follows, unless another action wrote
// something first; a read that failed for another reason than absence is made again.
#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <string>

#include "operator/controller/tests/support/rollout.hpp"
#include "operator/kube/cluster_decorator.hpp"

using namespace veer::controller::testing;
namespace kube = veer::kube;

namespace {

// Counts the gets of each "Kind/name"; fails those of one object while `failing` is set.
class CountingReads final : public kube::ClusterDecorator {
 public:
  explicit CountingReads(kube::Cluster& inner) : ClusterDecorator(inner) {}
  std::map<std::string, int> gets;
  std::string failing;  // "Kind/name" whose gets fail with a server error

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (call.verb != kube::CallInfo::Verb::Get) return std::nullopt;
    const auto key = call.kind + "/" + call.name;
    ++gets[key];
    if (key == failing)
      return kube::ApiError{kube::ErrorType::Internal, 500, "InternalError", "overloaded"};
    return std::nullopt;
  }
};

int weight_of(Rollout& r) {
  return r.canary().value("status", nlohmann::json::object()).value("canaryWeight", 0);
}

}  // namespace

TEST_CASE("a step's pass reads each of the router's objects once") {
  Rollout r("istio");
  CountingReads reads(r.cluster);
  r.api = &reads;
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  int steps_seen = 0;
  for (int i = 0; i < 60 && r.phase() != "Succeeded"; ++i) {
    const auto phase = r.phase();
    const auto weight = weight_of(r);
    reads.gets.clear();
    r.pass();
    // A pass that moved the weight during the run wrote the routes after checking them.
    if (phase == "Progressing" && weight_of(r) != weight && weight_of(r) > 0) {
      ++steps_seen;
      CAPTURE(weight);
      CHECK(reads.gets["VirtualService/podinfo"] == 1);
      CHECK(reads.gets["DestinationRule/podinfo-primary"] == 1);
      CHECK(reads.gets["DestinationRule/podinfo-canary"] == 1);
    }
  }
  CHECK(r.phase() == "Succeeded");
  CHECK(steps_seen >= 3);
  CHECK(istio_canary_weight(r.get("networking.istio.io/v1beta1", "VirtualService", "podinfo")) ==
        0);
}

TEST_CASE("a router read that failed is made again for the route write, not reused") {
  Rollout r("istio");
  CountingReads reads(r.cluster);
  r.api = &reads;
  r.until("Initialized");
  r.set_image("podinfo:6.0.1");
  for (int i = 0; i < 20 && weight_of(r) == 0; ++i) r.pass();
  REQUIRE(r.phase() == "Progressing");
  bool route_write_tried = false;
  for (int i = 0; i < 20 && !route_write_tried; ++i) {
    reads.gets.clear();
    reads.failing = "DestinationRule/podinfo-canary";
    const auto result = r.pass();
    reads.failing.clear();
    // The route write read the failing object again (the first failure was not taken for its
    // absence, nor reused) and failed the pass.
    if (reads.gets["DestinationRule/podinfo-canary"] < 2) continue;
    route_write_tried = true;
    CHECK(reads.gets["DestinationRule/podinfo-canary"] == 2);
    CHECK(result.failed);
  }
  CHECK(route_write_tried);
  for (int i = 0; i < 60 && r.phase() != "Succeeded"; ++i) r.pass();
  CHECK(r.phase() == "Succeeded");
}
