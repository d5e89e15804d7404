// A Knative Service (serving.knative.dev/v1) as a Canary's target (docs/routers.md "Knative"):
// there is no primary workload to copy. The canary is the Service's latest created revision,
// the primary the revision veer recorded as promoted, and a revision's health is its Ready
// condition. This turns the Service and its Revisions into the Observations `decide` reads, so
// the state machine is the one Deployments use.
//
// The recorded primary lives in the Canary's status: lastPromotedSpec (and lastAppliedSpec while
// a promotion runs) hold revision names, since a Knative target's revision is its
// status.latestCreatedRevisionName (what Flagger compares too). The router copies it into the
// Service's veer.dev/primary-revision annotation, which tells the controller that a promotion
// was written.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"
#include "operator/controller/decision.hpp"
#include "operator/controller/rollout_status.hpp"

namespace veer::controller {

// Whether spec.targetRef names a Knative Service (its apiVersion is serving.knative.dev/*).
bool is_knative_target(const model::CanarySpec& spec);

// A Revision read by name: the object, nullopt when it does not exist, or an error (any other
// failure to read, which is never taken for "absent").
struct RevisionRead {
  std::optional<nlohmann::json> revision;
  std::string error;
};
using ReadRevision = std::function<RevisionRead(const std::string& name)>;

// The revision that serves as primary in `phase` of a rollout whose status is `status`: while
// initializing, the revision the Service already names (veer's or Flagger's annotation), else
// its latest created one; while promoting, the revision being promoted (lastAppliedSpec); else
// the last promoted one.
std::string knative_primary_revision(const nlohmann::json& service, model::CanaryPhase phase,
                                     const model::CanaryStatus& status);

// What `decide` reads of a Knative target: the revision (the latest created revision; while
// initializing, the primary revision, so a revision created before veer took over is rolled
// out as a new one), the canary's and the primary's health and the promotion veer wrote last.
// "" or why the Revisions could not be read.
std::string observe_knative(const nlohmann::json& service, const RolloutStatus& status,
                            const ReadRevision& read, Observations& seen);

}  // namespace veer::controller
