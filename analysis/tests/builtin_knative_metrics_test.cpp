// The built-in metrics of provider knative: the Envoy series of Knative's ingress (Kourier),
// whose cluster for a revision is <namespace>/<revision>. The canary's queries select the latest
// revision, the primary's the primary revision, each by the context's {{ revision }}.
#include <string>

#include <doctest/doctest.h>

#include "analysis/builtin_metrics.hpp"
#include "analysis/templates.hpp"
#include "analysis/tests/support/contains.hpp"
#include "analysis/tests/support/podinfo.hpp"

using namespace veer::analysis;
using veer::analysis::testdata::contains;
using veer::analysis::testdata::podinfo;

namespace {

// podinfo as a Knative Service: revision 00002 is the canary, 00001 the primary; no routeRef.
TemplateContext knative_podinfo() {
  auto c = podinfo();
  c.route = "";
  c.revision = "podinfo-00002";
  c.primary_revision = "podinfo-00001";
  return c;
}

std::string knative_rendered(const std::string& query, bool primary) {
  const auto context = primary ? primary_context(knative_podinfo()) : knative_podinfo();
  auto text = render_query(query, context, "knative");
  REQUIRE_MESSAGE(text.ok(), text.error());
  return *text;
}

BuiltinQueries knative_queries(const std::string& metric, bool primary) {
  auto queries = builtin_queries(metric, "knative", primary);
  REQUIRE_MESSAGE(queries.ok(), queries.error());
  return {knative_rendered(queries->value, primary), knative_rendered(queries->errors, primary),
          knative_rendered(queries->total, primary)};
}

}  // namespace

TEST_CASE("knative success rate: non-5xx over all requests of the side's revision") {
  const auto canary = knative_queries("request-success-rate", false);
  CHECK(canary.value ==
        R"(sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00002",)"
        R"(envoy_response_code!~"5.*"}[1m])) / )"
        R"(sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00002"}[1m])))"
        " * 100");
  CHECK(canary.errors ==
        R"(sum(increase(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00002",)"
        R"(envoy_response_code=~"5.*"}[1m])) or vector(0))");
  CHECK(
      canary.total ==
      R"(sum(increase(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00002"}[1m])))");

  const auto primary = knative_queries("request-success-rate", true);
  CHECK(primary.value ==
        R"(sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00001",)"
        R"(envoy_response_code!~"5.*"}[1m])) / )"
        R"(sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00001"}[1m])))"
        " * 100");
  CHECK(
      primary.total ==
      R"(sum(increase(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo-00001"}[1m])))");
  CHECK_FALSE(contains(primary.errors, "podinfo-00002"));
}

TEST_CASE("knative duration: P99 of the side's revision in milliseconds") {
  CHECK(knative_queries("request-duration", false).value ==
        R"(histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{)"
        R"(envoy_cluster_name=~"test/podinfo-00002"}[1m])) by (le)))");
  CHECK(knative_queries("request-duration", true).value ==
        R"(histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{)"
        R"(envoy_cluster_name=~"test/podinfo-00001"}[1m])) by (le)))");
}

TEST_CASE("knative slow requests count Envoy's millisecond histogram above the boundary") {
  auto queries = builtin_slow_request_queries("knative", true, std::chrono::milliseconds(250));
  REQUIRE_MESSAGE(queries.ok(), queries.error());
  CHECK(knative_rendered(queries->total, true) ==
        R"(sum(increase(envoy_cluster_upstream_rq_time_count{)"
        R"(envoy_cluster_name=~"test/podinfo-00001"}[1m])))");
  CHECK(contains(
      knative_rendered(queries->errors, true),
      R"(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"test/podinfo-00001",le=~"250(\\.0)?"})"));
}

TEST_CASE("a knative query without a known revision is an error that names why") {
  auto queries = builtin_queries("request-duration", "knative", false);
  REQUIRE(queries.ok());
  auto unknown = knative_podinfo();
  unknown.revision = "";
  unknown.revision_problem = "reading Knative Service test/podinfo failed: forbidden";
  auto rendered = render_query(queries->value, unknown, "request-duration");
  REQUIRE_FALSE(rendered.ok());
  CHECK(contains(rendered.error().message, "{{ revision }}"));
  CHECK(contains(rendered.error().message, "forbidden"));

  // The canary's revision known, the primary's not: only the primary's query fails.
  auto no_primary = knative_podinfo();
  no_primary.primary_revision = "";
  CHECK(render_query(queries->value, no_primary, "request-duration").ok());
  auto primary = render_query(queries->value, primary_context(no_primary), "request-duration");
  REQUIRE_FALSE(primary.ok());
  CHECK(contains(primary.error().message, "no primary revision"));
}
