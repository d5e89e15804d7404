// Flagger's built-in metrics, request-success-rate (% of non-5xx requests) and request-duration
// (P99 in ms; NGINX and Skipper: mean), for istio, linkerd, nginx, kubernetes / gatewayapi and
// the routers of series_for's list (contour, gloo, kuma, knative, traefik, skipper, apisix), as
// query templates over the same series Flagger reads. veer adds the error and request counts of the
// same series, for the binomial comparisons.
#pragma once

#include <chrono>
#include <string>

#include "analysis/outcome.hpp"

namespace veer::analysis {

struct BuiltinQueries {
  std::string value;   // the metric itself
  std::string errors;  // request-success-rate only: failed requests in the interval
  std::string total;   // request-success-rate only: all requests in the interval
};

bool is_builtin_metric(const std::string& name);

// `provider` is the Canary's spec.provider ("" = istio, "gatewayapi:v1" = gatewayapi). For the
// primary side, NGINX selects the stable ingress (canary="") rather than a different target.
Outcome<BuiltinQueries> builtin_queries(const std::string& metric, const std::string& provider,
                                        bool primary);

// request-duration compared with a binomial test: "errors" are the requests slower than the
// histogram bucket boundary `slower_than` (total minus the bucket le=boundary), "total" all
// requests of the histogram, both over the interval.
Outcome<BuiltinQueries> builtin_slow_request_queries(const std::string& provider, bool primary,
                                                     std::chrono::milliseconds slower_than);

}  // namespace veer::analysis
