// What the check_metric tests share: Flagger's podinfo as the template context, and a
// PrometheusSource pointed at a stand-in server on loopback.
#pragma once

#include <string>
#include <vector>

#include "analysis/providers/prometheus.hpp"
#include "analysis/templates.hpp"
#include "analysis/tests/support/contains.hpp"
#include "analysis/tests/support/prometheus_json.hpp"
#include "testing/http_server.hpp"

namespace veer::analysis::testdata {

inline TemplateContext podinfo() {
  TemplateContext c;
  c.name = "podinfo";
  c.namespace_ = "test";
  c.target = "podinfo";
  c.service = "podinfo";
  c.ingress = "podinfo";
  c.route = "podinfo";
  c.interval = "1m";
  return c;
}

inline veer::testing::HttpResponse instant(double value) {
  return veer::testing::HttpResponse{
      200, {{"Content-Type", "application/json"}}, prometheus_vector(value), false};
}

inline veer::testing::HttpResponse matrix(const std::vector<double>& values) {
  return veer::testing::HttpResponse{200, {}, prometheus_matrix(values), false};
}

// Answers range queries with `primary` when the query selects podinfo-primary, else `canary`.
inline veer::testing::HttpResponse matrix_by_side(const veer::testing::HttpRequest& request,
                                                  const std::vector<double>& primary,
                                                  const std::vector<double>& canary) {
  return matrix(contains(request.param("query"), "podinfo-primary") ? primary : canary);
}

inline PrometheusSource source_at(const veer::testing::HttpServer& server) {
  PrometheusConfig config;
  config.address = server.url();
  return PrometheusSource(config);
}

}  // namespace veer::analysis::testdata
