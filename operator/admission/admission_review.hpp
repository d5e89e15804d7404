// The validating admission webhook's answer (`veer operator --admission-listen`): the API server
// sends an AdmissionReview for each Canary, MetricTemplate, AlertProvider or Experiment written,
// and veer answers with the same validation `veer validate` runs, so a broken object is refused
// at `kubectl apply` with its field paths instead of being accepted and blocked later.
#pragma once

#include <string>
#include <string_view>

#include "model/validate_document.hpp"

namespace veer::admission {

struct ReviewAnswer {
  int http_status = 200;  // 400 when the request is not an AdmissionReview at all
  std::string body;       // an AdmissionReview with `response`, or a plain-text reason
  std::string content_type = "application/json";
};

// Answers one AdmissionReview (admission.k8s.io/v1 or v1beta1, echoed back) read from `body`.
// Allowed: deletions, objects being deleted (finalizers must come off), updates that leave
// `spec` as it was (the operator's and `veer promote`'s metadata writes on an object created
// before the webhook), objects outside veer.dev. Refused: a veer object `check_document` finds
// errors in; its notes become warnings.
ReviewAnswer answer_review(std::string_view body, const model::ValidationOptions& options);

}  // namespace veer::admission
