// One rollout in which every reconcile of the operator dies at its k-th API write and a restarted
// operator runs that reconcile again (DyingCluster), the loop the restart tests of every target
// kind share: initialization, a new revision, and its run to the end.
#pragma once

#include <algorithm>
#include <functional>
#include <string>

#include "operator/controller/tests/support/dying_cluster.hpp"
#include "operator/controller/tests/support/rollout.hpp"

namespace veer::controller::testing {

struct KilledRollout {
  // Makes the new revision (sets the target's image), called once the Canary is Initialized.
  std::function<void(Rollout&)> revise;
  // Passes to run once Initialized, before `revise` (e.g. so a Deployment target is scaled down
  // first).
  int passes_before_revision = 0;
};

// Runs `plan` on `r` until the revised run ends (Succeeded or Failed). `die_at` > 0: every
// reconcile dies at that write, and the restarted operator runs it again; 0: nobody dies. Then
// settles: passes until one needs no retry (the work queue's backoff in the real operator).
// Returns the most writes one reconcile made, so a caller can kill at every one of them.
inline int run_killed(Rollout& r, int die_at, const KilledRollout& plan) {
  DyingCluster dying(r.cluster);
  r.api = &dying;
  int most = 0;
  bool revised = false;
  auto reconcile = [&] {
    dying.start(die_at);
    r.pass();
    most = std::max(most, dying.writes());
    if (die_at > 0 && dying.writes() >= die_at) {
      dying.start(0);  // the restarted operator
      r.pass();
      most = std::max(most, dying.writes());
    }
  };
  for (int i = 0; i < 200; ++i) {
    const auto phase = r.phase();
    if (!revised && phase == "Initialized") {
      for (int p = 0; p < plan.passes_before_revision; ++p) reconcile();
      plan.revise(r);
      revised = true;
    }
    if (revised && (phase == "Succeeded" || phase == "Failed")) break;
    reconcile();
  }
  for (int i = 0; i < 5; ++i) {
    dying.start(0);
    if (!r.pass().failed) break;
  }
  r.api = &r.cluster;
  return most;
}

}  // namespace veer::controller::testing
