// The built-in metrics of the routers Flagger users bring: each query, rendered for the podinfo
// Canary, selects the series of the object veer's router writes for that side (canary or
// primary) and not the other side's.
#include <regex>
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

// The regex a rendered query gives `label` (the first `label=~"..."`).
std::string label_regex(const std::string& query, const std::string& label) {
  const std::string open = label + "=~\"";
  const auto start = query.find(open);
  REQUIRE_MESSAGE(start != std::string::npos, label << " not in " << query);
  const auto from = start + open.size();
  return query.substr(from, query.find('"', from) - from);
}

std::string rendered(const std::string& metric, const std::string& provider, bool primary,
                     std::string BuiltinQueries::*part = &BuiltinQueries::value) {
  auto queries = builtin_queries(metric, provider, primary);
  REQUIRE_MESSAGE(queries.ok(), queries.error());
  const auto context = primary ? primary_context(podinfo()) : podinfo();
  auto text = render_query((*queries).*part, context, provider);
  REQUIRE_MESSAGE(text.ok(), text.error());
  return *text;
}

struct Case {
  const char* provider;
  const char* label;           // the label naming the workload's traffic
  const char* canary_series;   // its value for the canary, as the router names it
  const char* primary_series;  // and for the primary
};

// Series names as each router's data plane labels the objects veer writes for podinfo:9898.
const Case kCases[] = {
    // Contour's Envoy cluster: <namespace>_<service>_<port>.
    {"contour", "envoy_cluster_name", "test_podinfo-canary_9898", "test_podinfo-primary_9898"},
    // Gloo's Envoy cluster: <upstream>_<upstream namespace>; veer's upstreams are
    // <ns>-<svc>-canaryupstream-<port> and <ns>-<svc>-primaryupstream-<port>.
    {"gloo", "envoy_cluster_name", "test-podinfo-canaryupstream-9898_test",
     "test-podinfo-primaryupstream-9898_test"},
    // Kuma's service tag: <service>_<namespace>_svc_<port>.
    {"kuma", "service", "podinfo-canary_test_svc_9898", "podinfo-primary_test_svc_9898"},
    // Traefik's Kubernetes CRD service: <namespace>-<service>-<port>@kubernetescrd.
    {"traefik", "service", "test-podinfo-canary-9898@kubernetescrd",
     "test-podinfo-primary-9898@kubernetescrd"},
    // Skipper's route id on the podinfo-canary Ingress:
    // kube_<ns>__<ingress>__<host>__<path>__<backend>.
    {"skipper", "route", "kube_test__podinfo_canary__app_example_com____podinfo_canary",
     "kube_test__podinfo_canary__app_example_com____podinfo_primary"},
};

}  // namespace

TEST_CASE("router built-in metrics select the side's series and not the other side's") {
  for (const auto& c : kCases) {
    CAPTURE(c.provider);
    for (const char* metric : {"request-success-rate", "request-duration"}) {
      CAPTURE(metric);
      const std::regex canary_regex(label_regex(rendered(metric, c.provider, false), c.label));
      const std::regex primary_regex(label_regex(rendered(metric, c.provider, true), c.label));
      CHECK(std::regex_match(c.canary_series, canary_regex));
      CHECK_FALSE(std::regex_match(c.primary_series, canary_regex));
      CHECK(std::regex_match(c.primary_series, primary_regex));
      CHECK_FALSE(std::regex_match(c.canary_series, primary_regex));
    }
  }
}

TEST_CASE("router success rates count non-5xx over all requests, with counts for comparisons") {
  for (const auto& c : kCases) {
    CAPTURE(c.provider);
    const auto value = rendered("request-success-rate", c.provider, false);
    CHECK(contains(value, "!~\"5."));
    CHECK(contains(value, " / "));
    CHECK(contains(value, "* 100"));
    CHECK(contains(value, "[1m]"));
    const auto errors =
        rendered("request-success-rate", c.provider, false, &BuiltinQueries::errors);
    CHECK(contains(errors, "=~\"5."));
    CHECK(contains(errors, "increase("));
    CHECK(contains(errors, "or vector(0)"));
    const auto total = rendered("request-success-rate", c.provider, false, &BuiltinQueries::total);
    CHECK_FALSE(contains(total, "5."));
  }
  // Histogram-based routers count requests in the +Inf bucket only (every request once).
  for (const char* provider : {"traefik", "skipper"}) {
    CAPTURE(provider);
    CHECK(contains(rendered("request-success-rate", provider, false, &BuiltinQueries::total),
                   "le=\"+Inf\""));
  }
}

TEST_CASE("router durations are in milliseconds, P99 where the router has a histogram") {
  for (const char* provider : {"contour", "gloo", "kuma"}) {
    CAPTURE(provider);
    const auto query = rendered("request-duration", provider, false);
    CHECK(contains(query, "histogram_quantile(0.99"));
    CHECK(contains(query, "envoy_cluster_upstream_rq_time_bucket"));  // Envoy reports ms
  }
  const auto traefik = rendered("request-duration", "traefik", false);
  CHECK(contains(traefik, "traefik_service_request_duration_seconds_bucket"));
  CHECK(contains(traefik, "* 1000"));
  CHECK_FALSE(contains(traefik, "+Inf"));
  const auto skipper = rendered("request-duration", "skipper", false);
  CHECK(contains(skipper, "skipper_serve_route_duration_seconds_sum"));
  CHECK(contains(skipper, "* 1000"));
}

TEST_CASE("apisix measures the canary route only, refusing the primary with the reason") {
  const auto apisix = rendered("request-success-rate", "apisix", false);
  // APISIX names routes <namespace>_<ApisixRoute>_<rule>; veer's is podinfo-podinfo-canary.
  CHECK(std::regex_match("test_podinfo-podinfo-canary_main",
                         std::regex(label_regex(apisix, "route"))));
  auto primary = builtin_queries("request-success-rate", "apisix", true);
  REQUIRE_FALSE(primary.ok());
  CHECK(contains(primary.error().message, "MetricTemplate"));
}
