#include <string>

#include "operator/controller/canary_reconciler.hpp"

namespace veer::controller {

// The status holds the step (phase, weight, iterations, its start) and the revision under
// analysis; the spec, the metrics and their thresholds. Nothing else of the object (its
// resourceVersion moves with writes that do not change the question).
std::string analysis_request_id(const model::Canary& canary) {
  return std::to_string(canary.metadata.generation) + '\n' + model::to_json(canary.spec).dump() +
         '\n' + model::to_json(canary.status).dump();
}

}  // namespace veer::controller
