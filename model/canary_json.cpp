// Canary -> JSON (what the controller writes back), and reading a status.
#include "model/canary.hpp"
#include "model/duration.hpp"
#include "model/field_reader.hpp"

namespace veer::model {

namespace {

void put_if(nlohmann::json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
void put_if(nlohmann::json& j, const char* key, const nlohmann::json& value) {
  if (!value.is_null()) j[key] = value;
}
void put_if(nlohmann::json& j, const char* key, bool value) {
  if (value) j[key] = true;
}

nlohmann::json to_json(const CustomMetadata& m) {
  nlohmann::json j = nlohmann::json::object();
  if (!m.labels.empty()) j["labels"] = m.labels;
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  return j;
}

nlohmann::json to_json(const IntOrString& v) {
  if (v.is_int) return v.int_value;
  return v.string_value;
}

nlohmann::json to_json(const GatewayRef& g) {
  nlohmann::json j = {{"name", g.name}, {"group", g.group}, {"kind", g.kind}};
  put_if(j, "namespace", g.namespace_);
  put_if(j, "sectionName", g.section_name);
  if (g.port) j["port"] = *g.port;
  return j;
}

nlohmann::json to_json(const ServiceSpec& s) {
  nlohmann::json j = {{"port", s.port}, {"portName", s.port_name}};
  put_if(j, "name", s.name);
  if (!s.target_port.empty()) j["targetPort"] = to_json(s.target_port);
  put_if(j, "appProtocol", s.app_protocol);
  put_if(j, "trafficDistribution", s.traffic_distribution);
  put_if(j, "portDiscovery", s.port_discovery);
  put_if(j, "headless", s.headless);
  put_if(j, "timeout", s.timeout);
  put_if(j, "backendTimeout", s.backend_timeout);
  if (!s.gateways.empty()) j["gateways"] = s.gateways;
  for (const auto& g : s.gateway_refs) j["gatewayRefs"].push_back(to_json(g));
  if (!s.hosts.empty()) j["hosts"] = s.hosts;
  put_if(j, "delegation", s.delegation);
  put_if(j, "trafficPolicy", s.traffic_policy);
  put_if(j, "match", s.match);
  if (s.rewrite) {
    nlohmann::json rw = nlohmann::json::object();
    put_if(rw, "uri", s.rewrite->uri);
    put_if(rw, "authority", s.rewrite->authority);
    put_if(rw, "type", s.rewrite->type);
    j["rewrite"] = rw;
  }
  put_if(j, "retries", s.retries);
  put_if(j, "headers", s.headers);
  put_if(j, "mirror", s.mirror);
  put_if(j, "corsPolicy", s.cors_policy);
  put_if(j, "meshName", s.mesh_name);
  if (!s.backends.empty()) j["backends"] = s.backends;
  if (s.apex) j["apex"] = to_json(*s.apex);
  if (s.primary) j["primary"] = to_json(*s.primary);
  if (s.canary) j["canary"] = to_json(*s.canary);
  if (s.unmanaged_metadata)
    j["unmanagedMetadata"] = {{"labels", s.unmanaged_metadata->labels},
                              {"annotations", s.unmanaged_metadata->annotations}};
  return j;
}

nlohmann::json to_json(const CountSource& c) {
  nlohmann::json j = nlohmann::json::object();
  put_if(j, "query", c.query);
  if (c.template_ref) j["templateRef"] = to_json(*c.template_ref);
  return j;
}

nlohmann::json to_json(const Comparison& c) {
  nlohmann::json j = {{"test", to_string(c.test)},
                      {"direction", to_string(c.direction)},
                      {"alpha", c.alpha},
                      {"confidence", c.confidence},
                      {"minSamples", c.min_samples}};
  if (c.margin) j["margin"] = *c.margin;
  if (c.relative_margin) j["relativeMargin"] = *c.relative_margin;
  put_if(j, "earlyPromotion", c.early_promotion);
  if (c.slower_than) j["slowerThan"] = format_go_duration(*c.slower_than);
  if (c.scrape_interval != kDefaultScrapeInterval)
    j["scrapeInterval"] = format_go_duration(c.scrape_interval);
  if (c.errors) j["errors"] = to_json(*c.errors);
  if (c.total) j["total"] = to_json(*c.total);
  return j;
}

nlohmann::json to_json(const CanaryMetric& m) {
  nlohmann::json j = {{"name", m.name}, {"interval", format_go_duration(m.interval)}};
  if (m.threshold) j["threshold"] = *m.threshold;
  if (m.threshold_range) {
    nlohmann::json r = nlohmann::json::object();
    if (m.threshold_range->min) r["min"] = *m.threshold_range->min;
    if (m.threshold_range->max) r["max"] = *m.threshold_range->max;
    j["thresholdRange"] = r;
  }
  put_if(j, "query", m.query);
  if (m.template_ref) j["templateRef"] = to_json(*m.template_ref);
  if (!m.template_variables.empty()) j["templateVariables"] = m.template_variables;
  if (m.comparison) j["comparison"] = to_json(*m.comparison);
  return j;
}

nlohmann::json to_json(const CanaryWebhook& w) {
  nlohmann::json j = {{"name", w.name},
                      {"type", to_string(w.type)},
                      {"url", w.url},
                      {"timeout", format_go_duration(w.timeout)}};
  if (!w.metadata.empty()) j["metadata"] = w.metadata;
  if (w.retries) j["retries"] = w.retries;
  put_if(j, "disableTLS", w.disable_tls);
  put_if(j, "muteAlert", w.mute_alert);
  return j;
}

nlohmann::json to_json(const Analysis& a) {
  nlohmann::json j = {{"interval", format_go_duration(a.interval)},
                      {"threshold", a.threshold},
                      {"primaryReadyThreshold", a.primary_ready_threshold},
                      {"canaryReadyThreshold", a.canary_ready_threshold}};
  if (a.iterations) j["iterations"] = a.iterations;
  put_if(j, "mirror", a.mirror);
  if (a.mirror_weight) j["mirrorWeight"] = a.mirror_weight;
  if (a.max_weight) j["maxWeight"] = a.max_weight;
  if (a.step_weight) j["stepWeight"] = a.step_weight;
  if (!a.step_weights.empty()) j["stepWeights"] = a.step_weights;
  if (a.step_weight_promotion) j["stepWeightPromotion"] = a.step_weight_promotion;
  for (const auto& al : a.alerts)
    j["alerts"].push_back({{"name", al.name},
                           {"severity", to_string(al.severity)},
                           {"providerRef", to_json(al.provider_ref)}});
  for (const auto& m : a.metrics) j["metrics"].push_back(to_json(m));
  for (const auto& w : a.webhooks) j["webhooks"].push_back(to_json(w));
  if (a.match.is_array() && !a.match.empty()) j["match"] = a.match;
  if (a.session_affinity) {
    const auto& s = *a.session_affinity;
    nlohmann::json sa = {{"cookieName", s.cookie_name}, {"maxAge", s.max_age}};
    put_if(sa, "primaryCookieName", s.primary_cookie_name);
    put_if(sa, "domain", s.domain);
    put_if(sa, "httpOnly", s.http_only);
    put_if(sa, "partitioned", s.partitioned);
    put_if(sa, "path", s.path);
    put_if(sa, "sameSite", s.same_site);
    put_if(sa, "secure", s.secure);
    j["sessionAffinity"] = sa;
  }
  if (a.max_hold) j["maxHold"] = format_go_duration(*a.max_hold);
  if (a.max_no_data) j["maxNoData"] = *a.max_no_data;
  if (a.on_hold_expired == OnHoldExpired::Pause) j["onHoldExpired"] = "pause";
  return j;
}

}  // namespace

nlohmann::json to_json(const CanarySpec& s) {
  nlohmann::json j = {{"targetRef", to_json(s.target_ref)},
                      {"service", to_json(s.service)},
                      {"progressDeadlineSeconds", s.progress_deadline_seconds}};
  put_if(j, "provider", s.provider);
  put_if(j, "metricsServer", s.metrics_server);
  if (s.autoscaler_ref) {
    const auto& a = *s.autoscaler_ref;
    nlohmann::json ar = {{"kind", a.kind}, {"name", a.name}};
    put_if(ar, "apiVersion", a.api_version);
    if (!a.primary_scaler_queries.empty()) ar["primaryScalerQueries"] = a.primary_scaler_queries;
    if (a.primary_scaler_replicas) {
      nlohmann::json r = nlohmann::json::object();
      if (a.primary_scaler_replicas->min_replicas)
        r["minReplicas"] = *a.primary_scaler_replicas->min_replicas;
      if (a.primary_scaler_replicas->max_replicas)
        r["maxReplicas"] = *a.primary_scaler_replicas->max_replicas;
      ar["primaryScalerReplicas"] = r;
    }
    j["autoscalerRef"] = ar;
  }
  if (s.ingress_ref) j["ingressRef"] = to_json(*s.ingress_ref);
  if (s.route_ref) j["routeRef"] = to_json(*s.route_ref);
  if (s.upstream_ref) j["upstreamRef"] = to_json(*s.upstream_ref);
  if (s.analysis) j["analysis"] = to_json(*s.analysis);
  put_if(j, "skipAnalysis", s.skip_analysis);
  put_if(j, "revertOnDeletion", s.revert_on_deletion);
  put_if(j, "suspend", s.suspend);
  return j;
}

nlohmann::json to_json(const CanaryStatus& s) {
  nlohmann::json j = {{"phase", to_string(s.phase)},
                      {"failedChecks", s.failed_checks},
                      {"canaryWeight", s.canary_weight},
                      {"iterations", s.iterations}};
  put_if(j, "sessionAffinityCookie", s.session_affinity_cookie);
  put_if(j, "previousSessionAffinityCookie", s.previous_session_affinity_cookie);
  put_if(j, "primarySessionAffinityCookie", s.primary_session_affinity_cookie);
  if (!s.tracked_configs.empty()) j["trackedConfigs"] = s.tracked_configs;
  put_if(j, "lastAppliedSpec", s.last_applied_spec);
  put_if(j, "lastPromotedSpec", s.last_promoted_spec);
  put_if(j, "lastTransitionTime", s.last_transition_time);
  put_conditions(j, s.conditions);
  if (s.observed_generation) j["observedGeneration"] = s.observed_generation;
  if (s.evidence.is_object() && !s.evidence.empty()) j["evidence"] = s.evidence;
  if (s.rollout.is_object() && !s.rollout.empty()) j["rollout"] = s.rollout;
  return j;
}

nlohmann::json to_json(const Canary& c) {
  nlohmann::json j = {{"apiVersion", c.api_version},
                      {"kind", c.kind},
                      {"metadata", to_json(c.metadata)},
                      {"spec", to_json(c.spec)}};
  auto status = to_json(c.status);
  if (c.status.phase != CanaryPhase::None || status.size() > 4) j["status"] = status;
  return j;
}

Parsed<CanaryStatus> parse_canary_status(const nlohmann::json& status) {
  Parsed<CanaryStatus> out;
  if (!status.is_object()) {
    out.errors.push_back({"", "must be an object, got " + describe_type(status), 0});
    return out;
  }
  FieldReader r(status, "", out.errors);
  auto& s = out.value;
  auto phase = r.string("phase");
  if (auto p = parse_canary_phase(phase))
    s.phase = *p;
  else
    r.error("phase", "unknown phase \"" + phase + "\"");
  s.failed_checks = static_cast<std::int32_t>(r.integer("failedChecks"));
  s.canary_weight = static_cast<std::int32_t>(r.integer("canaryWeight"));
  s.iterations = static_cast<std::int32_t>(r.integer("iterations"));
  s.session_affinity_cookie = r.string("sessionAffinityCookie");
  s.previous_session_affinity_cookie = r.string("previousSessionAffinityCookie");
  s.primary_session_affinity_cookie = r.string("primarySessionAffinityCookie");
  s.tracked_configs = r.string_map("trackedConfigs");
  s.last_applied_spec = r.string("lastAppliedSpec");
  s.last_promoted_spec = r.string("lastPromotedSpec");
  s.last_transition_time = r.string("lastTransitionTime");
  r.each("conditions",
         [&](FieldReader& c, std::size_t) { s.conditions.push_back(read_condition(c)); });
  s.observed_generation = r.integer("observedGeneration");
  auto evidence = r.raw_object("evidence");
  if (evidence.is_object()) s.evidence = evidence;
  auto rollout = r.raw_object("rollout");
  if (rollout.is_object()) s.rollout = rollout;
  r.reject_unknown();
  return out;
}

}  // namespace veer::model
