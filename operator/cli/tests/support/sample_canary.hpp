// A Canary podinfo in namespace test (istio, analysed every minute) with the given `metrics`
// list items, and `spec_extra` lines added under spec (e.g. "  metricsServer: URL\n").
#pragma once

#include <string>

namespace veer::cli::testing {

inline std::string sample_canary(const std::string& metrics, const std::string& spec_extra = "") {
  return R"(apiVersion: veer.dev/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: istio
)" + spec_extra +
         R"(  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
)" + metrics;
}

}  // namespace veer::cli::testing
