#include "analysis/builtin_metrics.hpp"

#include <cmath>
#include <sstream>

namespace veer::analysis {
namespace {

// One provider's series: a selector for all requests and the label matcher for 5xx.
struct Series {
  std::string counter;       // requests counter (or histogram _count)
  std::string selector;      // labels selecting the workload's requests
  std::string server_error;  // label matcher for 5xx
  std::string duration;      // the request-duration query, complete
  std::string histogram;     // the latency histogram, without _bucket / _count
  double histogram_unit_ms;  // 1 (milliseconds) or 1000 (seconds)
};

Outcome<Series> series_for(const std::string& provider, bool primary) {
  const std::string window = "[{{ interval }}]";
  if (provider.empty() || provider == "istio") {
    const std::string sel =
        R"(reporter="destination",destination_workload_namespace="{{ namespace }}",)"
        R"(destination_workload=~"{{ target }}")";
    return Series{"istio_requests_total",
                  sel,
                  R"(response_code=~"5.*")",
                  "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{" +
                      sel + "}" + window + ")) by (le))",
                  "istio_request_duration_milliseconds",
                  1};
  }
  if (provider == "linkerd") {
    const std::string sel =
        R"(namespace="{{ namespace }}",deployment=~"{{ target }}",direction="inbound")";
    return Series{"response_total",
                  sel,
                  R"(classification="failure")",
                  "histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{" + sel + "}" +
                      window + ")) by (le))",
                  "response_latency_ms",
                  1};
  }
  if (provider == "nginx") {
    const std::string sel = std::string(R"(namespace="{{ namespace }}",ingress="{{ ingress }}",)") +
                            (primary ? R"(canary="")" : R"(canary!="")");
    return Series{"nginx_ingress_controller_requests",
                  sel,
                  R"(status=~"5.*")",
                  "sum(rate(nginx_ingress_controller_response_duration_seconds_sum{" + sel + "}" +
                      window +
                      ")) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{" +
                      sel + "}" + window + ")) * 1000",
                  "nginx_ingress_controller_request_duration_seconds",
                  1000};
  }
  if (provider == "kubernetes" || provider.rfind("gatewayapi", 0) == 0) {
    const std::string sel = R"(kubernetes_namespace="{{ namespace }}",)"
                            R"q(kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)")q";
    return Series{"http_request_duration_seconds_count",
                  sel,
                  R"(status=~"5.*")",
                  "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{" + sel +
                      "}" + window + ")) by (le)) * 1000",
                  "http_request_duration_seconds",
                  1000};
  }
  // The series of the routers Flagger users bring (its observers for contour, gloo, kuma, knative,
  // traefik, skipper and apisix), for the canary or, with the Service name's -primary in place of
  // -canary (Knative: the primary revision in place of the latest), the primary. Envoy-based
  // routers count envoy_cluster_upstream_rq of the cluster veer's router sends to; Traefik and
  // Skipper count the +Inf bucket of their request histograms. APISIX names the canary's route
  // only, so it has no primary side.
  const std::string side = primary ? "primary" : "canary";
  auto envoy = [&](const std::string& sel) {
    return Series{"envoy_cluster_upstream_rq",
                  sel,
                  R"(envoy_response_code=~"5.*")",
                  "histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{" + sel +
                      "}" + window + ")) by (le))",
                  "envoy_cluster_upstream_rq_time",
                  1};
  };
  if (provider == "contour") {
    return envoy(R"(envoy_cluster_name=~"{{ namespace }}_{{ service }}-)" + side +
                 R"(_[0-9a-zA-Z-]+")");
  }
  if (provider == "gloo") {
    return envoy(R"(envoy_cluster_name=~"{{ namespace }}-{{ service }}-)" + side +
                 R"(upstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+")");
  }
  if (provider == "kuma") {
    return envoy(R"(service=~"{{ service }}-)" + side + R"(_{{ namespace }}_svc_[0-9a-zA-Z-]+")");
  }
  if (provider == "knative") {
    // Knative's Envoy ingress (Kourier) names a revision's cluster <namespace>/<revision>; the
    // revision is the side's own (TemplateContext::revision), so the Service name plays no part.
    return envoy(R"(envoy_cluster_name=~"{{ namespace }}/{{ revision }}")");
  }
  if (provider == "apisix") {
    if (primary) {
      return fail(
          "the apisix built-in metrics measure the canary's route only; compare with the primary "
          "through a MetricTemplate");
    }
    const std::string sel = R"(route=~"{{ namespace }}_{{ route }}-{{ service }}-canary_.+")";
    return Series{
        "apisix_http_status",
        sel,
        R"(code=~"5..")",
        R"(histogram_quantile(0.99, sum(rate(apisix_http_latency_bucket{type=~"request",)" + sel +
            "}" + window + ")) by (le))",
        "",
        1};
  }
  if (provider == "traefik") {
    const std::string sel =
        R"(service=~"{{ namespace }}-{{ service }}-)" + side + R"(-[0-9a-zA-Z-]+@kubernetescrd")";
    return Series{
        "traefik_service_request_duration_seconds_bucket",
        sel + R"(,le="+Inf")",
        R"(code=~"5..")",
        "histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{" + sel +
            "}" + window + ")) by (le)) * 1000",
        "",
        1};
  }
  if (provider == "skipper") {
    // Skipper names routes kube[ew]_<ns>__<ingress>__<host>__<path>__<backend>, '-' as '_'.
    const std::string sel =
        R"(route=~"kube(ew)?_{{ namespace }}__{{ ingress }}_canary__.*__{{ service }}_)" + side +
        R"((_[0-9]+)?")";
    return Series{"skipper_response_duration_seconds_bucket",
                  sel + R"(,le="+Inf")",
                  R"(code=~"5..")",
                  "sum(rate(skipper_serve_route_duration_seconds_sum{" + sel + "}" + window +
                      ")) / sum(rate(skipper_serve_route_duration_seconds_count{" + sel + "}" +
                      window + ")) * 1000",
                  "",
                  1};
  }
  return fail(
      "the built-in metrics are not available for provider \"" + provider +
      "\" (istio, linkerd, nginx, kubernetes, gatewayapi, contour, gloo, kuma, knative, traefik, "
      "skipper, apisix); use a MetricTemplate");
}

// `a` with the extra matcher `extra` (or the negation of a "=~" / "=" matcher).
std::string with(const std::string& selector, const std::string& extra) {
  return selector + "," + extra;
}

std::string negated(const std::string& matcher) {
  if (auto at = matcher.find("=~"); at != std::string::npos) {
    return matcher.substr(0, at) + "!~" + matcher.substr(at + 2);
  }
  const auto at = matcher.find('=');
  return matcher.substr(0, at) + "!=" + matcher.substr(at + 1);
}

// A bucket boundary as its `le` label: Prometheus 3 writes whole numbers as "500.0", exporters
// and Prometheus 2 as "500", so a whole number matches both.
std::string le_matcher(double boundary) {
  std::ostringstream text;
  text.precision(15);
  text << boundary;
  if (boundary == std::floor(boundary)) return "le=~\"" + text.str() + "(\\\\.0)?\"";
  return "le=\"" + text.str() + "\"";
}

}  // namespace

bool is_builtin_metric(const std::string& name) {
  return name == "request-success-rate" || name == "request-duration";
}

Outcome<BuiltinQueries> builtin_queries(const std::string& metric, const std::string& provider,
                                        bool primary) {
  auto series = series_for(provider, primary);
  if (!series) return Error{series.error()};
  if (metric == "request-duration") return BuiltinQueries{series->duration, "", ""};
  if (metric != "request-success-rate") {
    return fail("\"" + metric +
                "\" is not a built-in metric (request-success-rate, "
                "request-duration)");
  }
  const std::string window = "[{{ interval }}]";
  const Series& s = *series;
  auto rate = [&](const std::string& sel) {
    return "sum(rate(" + s.counter + "{" + sel + "}" + window + "))";
  };
  auto increase = [&](const std::string& sel) {
    return "sum(increase(" + s.counter + "{" + sel + "}" + window + "))";
  };
  BuiltinQueries q;
  q.value = rate(with(s.selector, negated(s.server_error))) + " / " + rate(s.selector) + " * 100";
  // No 5xx series at all is zero errors, not "no data".
  q.errors = increase(with(s.selector, s.server_error)) + " or vector(0)";
  q.total = increase(s.selector);
  return q;
}

Outcome<BuiltinQueries> builtin_slow_request_queries(const std::string& provider, bool primary,
                                                     std::chrono::milliseconds slower_than) {
  auto series = series_for(provider, primary);
  if (!series) return Error{series.error()};
  const std::string window = "[{{ interval }}]";
  const Series& s = *series;
  // APISIX, Traefik and Skipper select their request count by a bucket (le="+Inf") or a type
  // label, so a boundary cannot be added to that selector.
  if (s.histogram.empty()) {
    return fail("slowerThan has no built-in latency histogram for provider \"" + provider +
                "\"; give comparison.errors and comparison.total");
  }
  const double boundary = static_cast<double>(slower_than.count()) / s.histogram_unit_ms;
  auto increase = [&](const std::string& name, const std::string& sel) {
    return "sum(increase(" + name + "{" + sel + "}" + window + "))";
  };
  BuiltinQueries q;
  q.total = increase(s.histogram + "_count", s.selector);
  // Slow = all - at most the boundary; extrapolated increases may differ by a fraction.
  q.errors = "clamp_min(" + q.total + " - " +
             increase(s.histogram + "_bucket", with(s.selector, le_matcher(boundary))) + ", 0)";
  return q;
}

}  // namespace veer::analysis
