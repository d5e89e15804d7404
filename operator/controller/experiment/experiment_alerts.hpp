// Where an Experiment's alerts go: its spec.alerts resolved to AlertProviders, as a Canary's
// (the runtime's NotifyAlertSink). Sending never blocks and never fails the reconcile.
#pragma once

#include "model/experiment.hpp"
#include "operator/controller/decision.hpp"

namespace veer::controller::experiment {

class ExperimentAlertSink {
 public:
  virtual ~ExperimentAlertSink() = default;
  // `experiment` carries the status this pass wrote (phase, winner, weights).
  virtual void send(const model::Experiment& experiment, const Alert& alert) = 0;
};

}  // namespace veer::controller::experiment
