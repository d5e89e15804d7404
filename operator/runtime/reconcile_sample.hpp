// The controller's report of one reconcile, as the operator's series take it: the runtime is the
// part that knows both, so the server needs nothing of the controller.
#pragma once

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/verdict_rule.hpp"
#include "operator/server/operator_metrics.hpp"

namespace veer::runtime {

server::ReconcileSample sample_of(const controller::ReconcileReport& report);

}  // namespace veer::runtime
