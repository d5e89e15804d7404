// What a rollout costs the API server (issue 19): the writes of a whole rollout of a new
// revision, initialization excluded, per analysis step. Every Canary writes this at every step,
// so at thousands of Canaries it is what the client's rate limit must carry.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "operator/controller/tests/support/rollout.hpp"
#include "operator/controller/tests/support/write_log.hpp"

using namespace veer::controller;
using namespace veer::controller::testing;

namespace {

struct Cost {
  std::size_t steps = 0;          // analysis steps (metric checks) of the run
  std::size_t writes = 0;         // all writes of the run
  std::size_t most_per_pass = 0;  // the most writes any one pass made
  std::size_t most_per_step = 0;  // the most writes a pass that analysed made
  std::size_t most_status_per_pass = 0;
  std::string log;  // every write, pass by pass, for the failure message
};

// A new revision rolled out on an initialized Canary, pass by pass, to `end`.
Cost rollout_cost(const std::string& provider, const std::string& image, const std::string& end,
                  json canary = nullptr) {
  Rollout r(provider, std::move(canary));
  WriteLog log(r.cluster);
  r.api = &log;
  r.until("Initialized");
  r.pass();  // the kubelet stand-in reports the scale-down
  r.set_image(image);
  Cost cost;
  std::ostringstream out;
  for (int i = 0; i < 60 && r.phase() != end; ++i) {
    log.writes.clear();
    const auto analyses = r.metrics.calls();
    r.pass();
    const bool analysed = r.metrics.calls() > analyses;
    cost.steps += analysed ? 1 : 0;
    cost.writes += log.writes.size();
    cost.most_per_pass = std::max(cost.most_per_pass, log.writes.size());
    if (analysed) cost.most_per_step = std::max(cost.most_per_step, log.writes.size());
    cost.most_status_per_pass = std::max(cost.most_status_per_pass, log.count("update_status"));
    out << "pass " << i << (analysed ? " (analysis):" : ":");
    for (const auto& w : log.writes) out << " " << w << ";";
    out << "\n";
  }
  CHECK(r.phase() == end);
  cost.log = out.str();
  return cost;
}

}  // namespace

// The writes are the rollout's, not the pass's: one status write per pass, the router only when
// the weight moves, Kubernetes Events only when a run starts or ends and on failures (a weight
// advance and the Promoting phase are in the status). An analysis step writes 2 (status, router;
// the last one status, primary). What remains is fixed per rollout, 9 writes: the detection pass
// (status, scale-up, Event), the first weight (status, router; the pre-rollout step analyses
// nothing) and the end (status, routes, scale-down, Event), the first and the last on passes of
// their own because each waits for a workload to roll out. So 5 steps write 19 (3.8 per step),
// 10 steps 29 (2.9 per step); before issue 19 the 5 steps wrote 26. Without any Event the floor
// of this pass structure is 17 (3.4): 8 status writes (one per phase or weight change), 6
// router writes and 3 workload writes (scale-up, primary, scale-down).
TEST_CASE("a rollout writes once per pass to the status and at most 3 times per analysis step") {
  struct Run {
    const char* provider;
    const char* image;
    const char* end;
    int max_weight;           // the Canary's maxWeight (10% steps)
    std::size_t most_writes;  // of the whole run
  };
  for (const Run& run : {Run{"istio", "podinfo:6.0.1", "Succeeded", 50, 19},
                         Run{"smi:v1alpha2", "podinfo:6.0.1", "Succeeded", 50, 19},
                         Run{"istio", "podinfo:6.0.1", "Succeeded", 100, 29},
                         Run{"istio", "podinfo:6.0.1-bad", "Failed", 50, 12}}) {
    CAPTURE(run.provider);
    CAPTURE(run.image);
    CAPTURE(run.max_weight);
    auto canary = simulation::canary("default", "podinfo", run.provider);
    canary["spec"]["analysis"]["maxWeight"] = run.max_weight;
    auto cost = rollout_cost(run.provider, run.image, run.end, canary);
    CAPTURE(cost.log);
    CHECK(cost.steps >= 2);
    CHECK(cost.most_status_per_pass == 1);
    CHECK(cost.most_per_step <= 3);
    CHECK(cost.most_per_pass <= 4);
    CHECK(cost.writes <= run.most_writes);
    if (run.max_weight == 100) CHECK(cost.writes <= 3 * cost.steps);
  }
}

// A Canary held at the same weight for the same reason, pass after pass (failed checks below
// the threshold, a hold for missing data): Kubernetes would fold the repeats into one Event's
// count, so veer writes the Event once; failedChecks and the status history count them.
TEST_CASE("an Event repeating the previous pass's is written once") {
  auto c = simulation::canary("default", "podinfo", "istio");
  c["spec"]["analysis"]["threshold"] = 4;
  Rollout r("istio", c);
  r.until("Initialized");
  r.set_image("podinfo:6.0.1-bad");
  r.until("Failed");
  std::map<std::string, int> times;
  for (const auto& e : r.events()) ++times[e["message"].get<std::string>()];
  int halts = 0;
  for (const auto& [message, n] : times) {
    CAPTURE(message);
    CHECK(n == 1);
    if (message.rfind("Halt", 0) == 0) ++halts;
  }
  CHECK(halts == 1);
  CHECK(r.canary()["status"]["failedChecks"] == 4);
}
