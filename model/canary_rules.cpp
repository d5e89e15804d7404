// The Canary rules that relate fields to each other or to the chosen router; the schema-level
// checks (types, enums, required fields) happen while parsing (canary_parse.cpp).
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/duration.hpp"
#include "model/mesh_providers.hpp"

namespace veer::model {

namespace {

bool is_istio(const std::string& p) {
  return p == "istio" || p.empty();
}

// Flagger's routers that read analysis.match (A/B testing by headers or cookies).
bool routes_by_match(const std::string& p) {
  return is_istio(p) || p == "nginx" || p == "contour" || p == "gloo" ||
         is_gateway_api_provider(p) || is_appmesh_provider(p);
}

// The routers that mirror requests to the canary (analysis.mirror). Flagger's contour and
// traefik routers ignore the field; veer renders it with their own mirroring.
bool mirrors(const std::string& p) {
  return is_istio(p) || is_gateway_api_provider(p) || p == "contour" || p == "traefik";
}

// The routers that mirror a share of requests (analysis.mirrorWeight).
bool mirrors_a_share(const std::string& p) {
  return is_istio(p) || p == "contour" || p == "traefik";
}

// The routers that take spec.ingressRef: an Ingress they copy into a canary Ingress.
bool uses_ingress_ref(const std::string& p) {
  return p == "nginx" || p == "skipper";
}

// The HTTPMatchRequest keys each router can route by (Istio takes them all). A key a router
// cannot express would be dropped, widening the match: in A/B testing, every request would go
// to the canary. `name` only labels Istio's access logs and is dropped harmlessly.
std::optional<std::vector<std::string>> routable_match_keys(const std::string& p) {
  if (is_gateway_api_provider(p)) return {{"uri", "method", "headers", "queryParams", "name"}};
  if (p == "nginx") return {{"headers", "name"}};
  if (p == "contour") return {{"headers"}};
  if (p == "gloo") return {{"headers", "method"}};
  return std::nullopt;
}

std::string provider_label(const std::string& p) {
  return p.empty() ? "the default provider (istio)" : "provider " + p;
}

// Index of the first item named `name`, remembering it when new; nullopt for the first. A map
// rather than a scan of the earlier items keeps a Canary with 100,000 metrics linear.
std::optional<std::size_t> earlier_with_name(std::unordered_map<std::string, std::size_t>& seen,
                                             const std::string& name, std::size_t index) {
  if (name.empty()) return std::nullopt;
  auto [it, inserted] = seen.emplace(name, index);
  if (inserted) return std::nullopt;
  return it->second;
}

struct Rules {
  const Canary& canary;
  std::vector<FieldError> errors;

  void add(std::string path, std::string reason) {
    errors.push_back({std::move(path), std::move(reason), 0});
  }

  void percent(const std::string& path, std::int64_t value, std::int64_t low) {
    if (value < low || value > 100)
      add(path, "must be " + std::to_string(low) + "..100, got " + std::to_string(value));
  }

  void check_provider() {
    const auto& spec = canary.spec;
    const auto& p = spec.provider;
    if (!p.empty() && !is_known_provider(p)) {
      add("spec.provider", "unknown provider \"" + p + "\": use one of " + known_providers_text());
      return;
    }
    if (auto gap = router_gap(p); !gap.empty()) add("spec.provider", gap);
    check_refs(p);
  }

  // Which provider reads which reference, as Flagger's routers do.
  void check_refs(const std::string& p) {
    const auto& spec = canary.spec;
    if (uses_ingress_ref(p) && !spec.ingress_ref)
      add("spec.ingressRef",
          "is required with provider " + p + ": the Ingress that routes to the apex Service");
    if (spec.ingress_ref && !uses_ingress_ref(p))
      add("spec.ingressRef",
          "is only used by providers nginx and skipper, not " + provider_label(p));
    if (p == "apisix" && !spec.route_ref)
      add("spec.routeRef", "is required with provider apisix: the ApisixRoute to split");
    if (spec.route_ref && p != "apisix")
      add("spec.routeRef", "is only used by provider apisix, not " + provider_label(p));
    if (spec.upstream_ref && p != "gloo")
      add("spec.upstreamRef", "is only used by provider gloo, not " + provider_label(p));
    if (is_gateway_api_provider(p) && spec.service.gateway_refs.empty())
      add("spec.service.gatewayRefs",
          "is required with provider " + p +
              ": the Gateway (or, for Linkerd, the apex Service) the HTTPRoute attaches to");
    if (!spec.service.gateway_refs.empty() && !is_gateway_api_provider(p))
      add("spec.service.gatewayRefs",
          "is only used by gatewayapi providers, not " + provider_label(p));
    // A Knative Service routes between its own revisions, and only the knative router does that.
    const bool knative_target = spec.target_ref.api_version.rfind("serving.knative.dev/", 0) == 0;
    if (p == "knative" && !knative_target)
      add("spec.targetRef.apiVersion",
          "provider knative needs a Knative Service target (apiVersion: serving.knative.dev/v1, "
          "kind: Service), not " +
              (spec.target_ref.api_version.empty() ? "" : spec.target_ref.api_version + " ") +
              spec.target_ref.kind);
    if (knative_target && p != "knative")
      add("spec.provider", "a Knative Service target (spec.targetRef.apiVersion " +
                               spec.target_ref.api_version + ") needs provider knative, not " +
                               provider_label(p));
    if (knative_target && spec.target_ref.kind != "Service")
      add("spec.targetRef.kind",
          "must be Service for a Knative target (apiVersion " + spec.target_ref.api_version + ")");
  }

  void check_target() {
    const auto& spec = canary.spec;
    // targetRef.apiVersion is not checked: Flagger looks only at the kind, and manifests in
    // the wild say v1 or extensions/v1beta1 for a Deployment.
    if (spec.autoscaler_ref && spec.autoscaler_ref->primary_scaler_replicas) {
      const auto& r = *spec.autoscaler_ref->primary_scaler_replicas;
      if (r.min_replicas && r.max_replicas && *r.min_replicas > *r.max_replicas)
        add("spec.autoscalerRef.primaryScalerReplicas",
            "minReplicas (" + std::to_string(*r.min_replicas) + ") must not exceed maxReplicas (" +
                std::to_string(*r.max_replicas) + ")");
    }
    if (spec.progress_deadline_seconds < 1)
      add("spec.progressDeadlineSeconds",
          "must be at least 1, got " + std::to_string(spec.progress_deadline_seconds));
  }

  void check_weights(const Analysis& a) {
    const std::string base = "spec.analysis";
    if (a.step_weight != 0) percent(base + ".stepWeight", a.step_weight, 1);
    if (a.max_weight != 0) percent(base + ".maxWeight", a.max_weight, 1);
    if (a.step_weight_promotion != 0)
      percent(base + ".stepWeightPromotion", a.step_weight_promotion, 1);
    for (std::size_t i = 0; i < a.step_weights.size(); ++i) {
      std::string path = index_path(base + ".stepWeights", i);
      percent(path, a.step_weights[i], 1);
      if (i > 0 && a.step_weights[i] <= a.step_weights[i - 1])
        add(path, "stepWeights must be strictly ascending: " + std::to_string(a.step_weights[i]) +
                      " follows " + std::to_string(a.step_weights[i - 1]));
    }
    if (a.threshold < 1)
      add(base + ".threshold",
          "must be at least 1 (failed checks before rollback), got " + std::to_string(a.threshold));
    if (a.max_hold && a.max_hold->count() <= 0) add(base + ".maxHold", "must be positive");
    if (a.max_no_data && *a.max_no_data < 0)
      add(base + ".maxNoData",
          "must not be negative (NoData looks held before the hold expires), got " +
              std::to_string(*a.max_no_data));
    if (a.iterations < 0)
      add(base + ".iterations", "must not be negative, got " + std::to_string(a.iterations));
    percent(base + ".primaryReadyThreshold", a.primary_ready_threshold, 0);
    percent(base + ".canaryReadyThreshold", a.canary_ready_threshold, 0);
    if (a.mirror_weight != 0) percent(base + ".mirrorWeight", a.mirror_weight, 1);
    // "one of stepWeight, stepWeights or iterations" is Flagger's CRD rule: flagger_schema.cpp.
  }

  void check_routing_features(const Analysis& a) {
    const std::string& p = canary.spec.provider;
    const std::string base = "spec.analysis";
    bool has_match = a.match.is_array() && !a.match.empty();
    if (has_match && a.iterations == 0)
      add(base + ".match", "A/B testing needs analysis.iterations as well as match");
    if (has_match && !routes_by_match(p))
      add(base + ".match", provider_label(p) +
                               " cannot route by request headers or cookies: A/B testing needs "
                               "istio, nginx, contour, gloo or gatewayapi");
    if (has_match && routes_by_match(p)) check_match_keys(base + ".match", a.match);
    if (is_gateway_api_provider(p))
      check_match_keys("spec.service.match", canary.spec.service.match);
    if (a.mirror && !mirrors(p))
      add(base + ".mirror", "traffic mirroring needs istio, gatewayapi, contour or traefik, not " +
                                provider_label(p));
    if (a.mirror && is_gateway_api_provider(p) &&
        canary.spec.strategy() != DeploymentStrategy::BlueGreen)
      add(base + ".mirror", "with gatewayapi, mirroring works only for blue/green (iterations)");
    if (a.mirror_weight != 0 && !mirrors_a_share(p))
      add(base + ".mirrorWeight",
          "is supported by istio, contour and traefik only, not " + provider_label(p));
    if (a.mirror_weight != 0 && !a.mirror)
      add(base + ".mirrorWeight", "has no effect unless analysis.mirror is true");
    if (a.session_affinity && !(is_istio(p) || is_gateway_api_provider(p)))
      add(base + ".sessionAffinity",
          "session affinity needs istio or gatewayapi, not " + provider_label(p));
    if (a.session_affinity && !a.session_affinity->primary_cookie_name.empty() &&
        a.session_affinity->primary_cookie_name == a.session_affinity->cookie_name)
      add(base + ".sessionAffinity.primaryCookieName",
          "must differ from cookieName: the two cookies pin users to the primary and to the "
          "canary");
    if (a.session_affinity && a.session_affinity->max_age < 1)
      add(base + ".sessionAffinity.maxAge", "must be at least 1 second");
  }

  void check_match_keys(const std::string& path, const nlohmann::json& matches) {
    const std::string& p = canary.spec.provider;
    const auto keys = routable_match_keys(p);
    if (!keys || !matches.is_array()) return;
    for (std::size_t i = 0; i < matches.size(); ++i) {
      if (!matches[i].is_object()) continue;
      for (const auto& [key, value] : matches[i].items()) {
        if (std::find(keys->begin(), keys->end(), key) == keys->end())
          add(index_path(path, i) + "." + key,
              "cannot be routed by " + provider_label(p) + "; it routes by " + join(*keys));
      }
      if (p != "nginx") continue;
      const auto cookie = matches[i].value("/headers/cookie"_json_pointer, nlohmann::json());
      if (!cookie.is_null() && !cookie.value("exact", nlohmann::json()).is_string())
        add(index_path(path, i) + ".headers.cookie",
            "needs exact: <cookie name> with provider nginx (canary-by-cookie names a cookie)");
    }
  }

  static std::string join(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& key : keys) {
      if (key == "name") continue;
      out += (out.empty() ? "" : ", ") + key;
    }
    return out;
  }

  // veer writes the counts of a built-in request-duration comparison from its histogram.
  static bool slower_than_counts(const CanaryMetric& m) {
    return m.comparison->slower_than && m.name == "request-duration" && m.builtin();
  }

  void check_slower_than(const std::string& path, const CanaryMetric& m) {
    const auto& c = *m.comparison;
    if (!c.slower_than) return;
    if (c.slower_than->count() <= 0)
      add(path, "must be a positive duration (a histogram bucket boundary such as 500ms)");
    if (!c.binomial())
      add(path, std::string("is only used by binomial tests (sequential-binomial, "
                            "bayes-binomial), not ") +
                    std::string(to_string(c.test)));
    else if (m.name != "request-duration" && !(c.errors && c.total))
      add(path, "is only understood on the built-in request-duration metric; on metric \"" +
                    m.name + "\" give comparison.errors and comparison.total instead");
  }

  void check_count_source(const std::string& path, const std::optional<CountSource>& s,
                          const CanaryMetric& m, const char* what) {
    if (!m.comparison) return;
    const auto& c = *m.comparison;
    if (!c.binomial()) {
      if (s)
        add(path, std::string("is only used by binomial tests; ") + std::string(to_string(c.test)) +
                      " compares samples of the metric's own query");
      return;
    }
    if (!s && m.name != "request-success-rate" && !slower_than_counts(m))
      add(path, std::string("is required for a binomial test on a custom metric: the ") + what +
                    " count (query or templateRef)");
  }

  // A look's window is about analysis.interval long; with scrapes as far apart the window holds
  // at most one sample and `increase` has nothing to count.
  void check_scrape_interval(const std::string& path, const Comparison& c,
                             std::chrono::milliseconds look) {
    if (c.scrape_interval.count() <= 0) {
      add(path, "must be a positive duration (how often Prometheus scrapes the counted series)");
    } else if (c.binomial() && c.scrape_interval >= look) {
      add(path, "must be shorter than analysis.interval (" + format_go_duration(look) + "), got " +
                    format_go_duration(c.scrape_interval) +
                    ": each look counts the requests between two scrapes inside its window");
    }
  }

  void check_comparison(const std::string& path, const CanaryMetric& m,
                        std::chrono::milliseconds look) {
    const auto& c = *m.comparison;
    if (c.margin && c.relative_margin)
      add(path + ".relativeMargin", "set at most one of margin and relativeMargin");
    if (c.margin && *c.margin < 0) add(path + ".margin", "must not be negative");
    if (c.relative_margin && *c.relative_margin < 0)
      add(path + ".relativeMargin", "must not be negative");
    if (!(c.alpha > 0 && c.alpha < 0.5))
      add(path + ".alpha", "must be between 0 and 0.5 (exclusive), got " + std::to_string(c.alpha));
    if (!(c.confidence > 0.5 && c.confidence < 1))
      add(path + ".confidence",
          "must be between 0.5 and 1 (exclusive), got " + std::to_string(c.confidence));
    if (c.min_samples < 0) add(path + ".minSamples", "must not be negative");
    if (c.early_promotion && c.test != ComparisonTest::SequentialBinomial)
      add(path + ".earlyPromotion", "is only supported by the sequential-binomial test");
    check_slower_than(path + ".slowerThan", m);
    check_scrape_interval(path + ".scrapeInterval", c, look);
    check_count_source(path + ".errors", c.errors, m, "failed-request");
    check_count_source(path + ".total", c.total, m, "total-request");
  }

  void check_metrics(const Analysis& a) {
    std::unordered_map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < a.metrics.size(); ++i) {
      const auto& m = a.metrics[i];
      std::string path = index_path("spec.analysis.metrics", i);
      if (!m.query.empty() && m.template_ref)
        add(path + ".templateRef", "set either query or templateRef, not both");
      if (m.query.empty() && !m.template_ref && !m.name.empty() && !m.builtin())
        add(path, "metric \"" + m.name +
                      "\" is not a built-in (request-success-rate, request-duration): set "
                      "templateRef (or query)");
      if (m.threshold_range && m.threshold_range->min && m.threshold_range->max &&
          *m.threshold_range->min > *m.threshold_range->max)
        add(path + ".thresholdRange", "min (" + std::to_string(*m.threshold_range->min) +
                                          ") must not exceed max (" +
                                          std::to_string(*m.threshold_range->max) + ")");
      if (m.threshold_range && !m.threshold_range->min && !m.threshold_range->max)
        add(path + ".thresholdRange", "set min, max or both");
      if (!m.threshold_range && !m.threshold && !m.comparison)
        add(path, "nothing to check: set thresholdRange (or comparison)");
      if (m.interval.count() <= 0) add(path + ".interval", "must be positive");
      if (m.comparison) check_comparison(path + ".comparison", m, a.interval);
      if (auto j = earlier_with_name(names, m.name, i))
        add(path + ".name",
            "duplicate metric name \"" + m.name + "\" (also metrics[" + std::to_string(*j) + "])");
    }
  }

  void check_webhooks(const Analysis& a) {
    std::unordered_map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < a.webhooks.size(); ++i) {
      const auto& w = a.webhooks[i];
      std::string path = index_path("spec.analysis.webhooks", i);
      if (!w.url.empty() && !is_http_url(w.url))
        add(path + ".url", "\"" + w.url + "\" is not an http:// or https:// URL");
      if (w.retries < 0) add(path + ".retries", "must not be negative");
      if (w.timeout.count() <= 0) add(path + ".timeout", "must be positive");
      if (auto j = earlier_with_name(names, w.name, i))
        add(path + ".name", "duplicate webhook name \"" + w.name + "\" (also webhooks[" +
                                std::to_string(*j) + "])");
    }
  }

  void run() {
    check_provider();
    check_target();
    if (!canary.spec.analysis) return;
    const auto& a = *canary.spec.analysis;
    check_weights(a);
    check_routing_features(a);
    check_metrics(a);
    check_webhooks(a);
  }
};

}  // namespace

std::vector<FieldError> validate_canary(const Canary& canary) {
  Rules rules{canary, {}};
  rules.run();
  return rules.errors;
}

}  // namespace veer::model
