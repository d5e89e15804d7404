#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/time_format.hpp"
#include "operator/kube/error_sink.hpp"
#include "operator/kube/leader_election.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/kube/tests/support/backends.hpp"

using namespace std::chrono_literals;
using namespace veer::kube;
using veer::kube::testing::eventually;

namespace {

LeaderElectionConfig config_for(const std::string& identity) {
  LeaderElectionConfig config;
  config.identity = identity;
  return config;
}

struct Candidate {
  LeaderElector elector;
  std::atomic<bool> leading{false};
  std::atomic<int> stopped{0};
  std::thread thread;
  Candidate(Cluster& cluster, veer::base::Clock& clock, const std::string& id)
      : elector(cluster, clock, config_for(id)) {
    thread = std::thread([this] {
      elector.run(LeaderCallbacks{[this] { leading = true; },
                                  [this] {
                                    leading = false;
                                    ++stopped;
                                  },
                                  nullptr});
    });
  }
  ~Candidate() {
    elector.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("one candidate leads, the lease is released on stop so the standby takes over at once") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  auto a = std::make_unique<Candidate>(cluster, clock, "a");
  REQUIRE(eventually([&] { return a->leading.load(); }, 5s));
  Candidate b(cluster, clock, "b");
  clock.wait_for_waiters(2);
  CHECK_FALSE(b.leading);
  CHECK(b.elector.observed_leader() == "a");

  // Renewals keep a in charge for a long time.
  for (int i = 0; i < 30; ++i) {
    clock.wait_for_waiters(2);
    clock.advance(2s);
  }
  CHECK(a->leading);
  CHECK_FALSE(b.leading);

  a.reset();  // SIGTERM: stop() releases the lease
  clock.wait_for_waiters(1);
  clock.advance(2s);  // b's next retry, well before the 15 s lease would have run out
  REQUIRE(eventually([&] { return b.leading.load(); }, 5s));
  auto lease = cluster.get(
      ObjectRef{{"coordination.k8s.io", "v1", "leases", "Lease"}, "default", "veer-leader"});
  REQUIRE(lease.ok());
  CHECK((*lease)["spec"]["holderIdentity"] == "b");
  CHECK((*lease)["spec"]["leaseTransitions"] == 1);
}

TEST_CASE("a crashed leader's lease is taken only after its duration has passed") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  REQUIRE(cluster
              .create(Json{{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"name", "veer-leader"}, {"namespace", "default"}}},
                           {"spec",
                            {{"holderIdentity", "ghost"},
                             {"leaseDurationSeconds", 15},
                             {"renewTime", veer::base::format_micro_time(clock.now())}}}})
              .ok());
  Candidate b(cluster, clock, "b");
  auto start = clock.now();
  while (clock.now() - start < 14s) {
    clock.wait_for_waiters(1);
    clock.advance(2s);
    if (clock.now() - start < 14s) CHECK_FALSE(b.leading);
  }
  CHECK_FALSE(b.leading);
  clock.wait_for_waiters(1);
  clock.advance(2s);  // 16 s after b first saw the record
  REQUIRE(eventually([&] { return b.leading.load(); }, 5s));
}

TEST_CASE("a leader that cannot renew within the renew deadline stops leading") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  Candidate a(cluster, clock, "a");
  REQUIRE(eventually([&] { return a.leading.load(); }, 5s));
  cluster.fail_next("get", ApiError{ErrorType::Transport, 0, "TransportError", "network down"},
                    1000);
  for (int i = 0; i < 6 && a.leading; ++i) {
    clock.wait_for_waiters(1);
    clock.advance(2s);
    // Either a parks for its next retry or it has given up (and its thread is gone).
    REQUIRE(eventually([&] { return clock.waiters() == 1 || !a.leading; }, 5s));
  }
  REQUIRE(eventually([&] { return !a.leading.load(); }, 5s));
  CHECK(a.stopped == 1);
}

TEST_CASE(
    "a refused lease call is reported once (to the process's error sink), naming the call and "
    "keeping the server's message, while the candidate keeps trying, and a 409 is not reported") {
  veer::base::SimulatedClock clock;
  MemoryCluster cluster(clock);
  std::mutex mutex;
  std::vector<std::pair<std::string, ApiError>> told;
  const auto sink = add_error_sink([&](const std::string& what, const ApiError& error) {
    std::lock_guard guard(mutex);
    told.emplace_back(what, error);
  });
  auto told_now = [&] {
    std::lock_guard guard(mutex);
    return told;
  };
  const ApiError refused{ErrorType::Forbidden, 403, "Forbidden",
                         "leases.coordination.k8s.io is forbidden: User \"veer\" cannot create "
                         "resource \"leases\" in API group \"coordination.k8s.io\" in the "
                         "namespace \"default\""};
  cluster.fail_next("create", refused, 4);
  {
    Candidate a(cluster, clock, "a");
    for (int attempt = 0; attempt < 4; ++attempt) {
      clock.wait_for_waiters(1);
      CHECK_FALSE(a.leading);
      clock.advance(2s);
    }
    REQUIRE(eventually([&] { return a.leading.load(); }, 5s));  // the fifth create works
    const auto seen = told_now();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].first == "creating the Lease default/veer-leader for leader election");
    CHECK(seen[0].second.is(ErrorType::Forbidden));
    CHECK(seen[0].second.message == refused.message);

    // A renewal losing a race (409) is routine: not reported.
    cluster.fail_next("update", ApiError{ErrorType::Conflict, 409, "Conflict", "stale"}, 1);
    clock.wait_for_waiters(1);
    clock.advance(2s);
    clock.wait_for_waiters(1);
    CHECK(told_now().size() == 1);
  }
  remove_error_sink(sink);
  report_error("after removal", refused);  // nobody is told
  CHECK(told_now().size() == 1);
}
