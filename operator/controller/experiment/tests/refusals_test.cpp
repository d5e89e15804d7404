// A call the API server refuses (403) is never read as absence or a conflict by the Experiment
// reconciler: a refused read of a version's Deployment fails the pass naming it (it is not a
// Deployment to wait for), and a refused Event is said to the process's error sink.
#include <doctest/doctest.h>

#include <mutex>

#include "operator/controller/experiment/tests/support/fixture.hpp"
#include "operator/controller/experiment/tests/support/world.hpp"
#include "operator/controller/tests/support/refusing_cluster.hpp"
#include "operator/kube/error_sink.hpp"

using namespace veer::controller::experiment::testing;
using veer::controller::testing::RefusingCluster;
namespace kube = veer::kube;
using Verb = kube::CallInfo::Verb;

TEST_CASE(
    "a refused read of a version's Deployment fails the pass naming it, and is not waited for "
    "as a missing Deployment") {
  World w(experiment_json(), kExpressBest);
  RefusingCluster refusing(w.cluster, "Deployment", Verb::Get, "deployments", "apps", "shop");
  w.api = &refusing;
  for (int i = 0; i < 3; ++i) {
    const auto result = w.pass();
    CHECK(result.failed);
    CHECK_MESSAGE(result.error.find(refusing.message()) != std::string::npos, result.error);
  }
  CHECK(w.phase() != "Running");
  refusing.refusing = false;
  w.run();
  CHECK(w.phase() == "Completed");
}

TEST_CASE("a refused Event never blocks an Experiment and is said to the process's error sink") {
  std::mutex mutex;
  std::vector<std::string> told;
  const auto sink = kube::add_error_sink([&](const std::string& what, const kube::ApiError& e) {
    std::lock_guard guard(mutex);
    told.push_back(what + ": " + e.message);
  });
  World w(experiment_json(), kExpressBest);
  RefusingCluster refusing(w.cluster, "Event", Verb::Create, "events", "", "shop");
  w.api = &refusing;
  for (int i = 0; i < 3; ++i) w.pass();
  CHECK(w.phase() == "Running");
  kube::remove_error_sink(sink);
  REQUIRE(refusing.refused > 0);
  std::lock_guard guard(mutex);
  REQUIRE(told.size() == refusing.refused);
  CHECK(told.back().find("creating an Event about Experiment shop/checkout-redesign") !=
        std::string::npos);
  CHECK(told.back().find(refusing.message()) != std::string::npos);
}
