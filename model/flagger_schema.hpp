// The constraints of Flagger's Canary CRD (flagger.app/v1beta1) that a typed read cannot see,
// checked on the document as written: what the Kubernetes API server would refuse before
// Flagger ever ran the Canary. veer refuses the same documents, with the field path, so a
// Canary moves between the two without surprises (docs/crds.md, "Where veer follows Flagger").
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "model/validation.hpp"

namespace veer::model {

// Problems of a Canary document (the whole object, apiVersion to spec): durations outside
// Flagger's `^[0-9]+(m|s)` pattern, an analysis without interval/threshold or with other than
// exactly one of stepWeight/stepWeights/iterations, references without apiVersion/kind/name,
// scaler replicas below 1, and Istio sub-objects (string matches, tls.mode, retries) that the
// CRD types.
std::vector<FieldError> flagger_schema_errors(const nlohmann::json& canary);

}  // namespace veer::model
