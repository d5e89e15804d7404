// Reads a Canary document into the typed model: types, enums, required fields and defaults.
// The rules that relate fields to each other are in canary_rules.cpp.
#include <limits>

#include "model/canary.hpp"
#include "model/canary_readers.hpp"
#include "model/document.hpp"
#include "model/field_reader.hpp"
#include "model/flagger_schema.hpp"
#include "model/kind_header.hpp"

namespace veer::model {

namespace {

const std::vector<std::string> kSeverities{"info", "warn", "error"};
const std::vector<std::string> kWebhookTypeNames{
    "confirm-rollout",   "pre-rollout",  "rollout",  "confirm-traffic-increase",
    "confirm-promotion", "post-rollout", "rollback", "event"};

std::int32_t to_int32(FieldReader& r, const std::string& key, std::int64_t value) {
  if (value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max()) {
    r.error(key, "is out of range for a 32-bit integer");
    return 0;
  }
  return static_cast<std::int32_t>(value);
}

std::int32_t int32_field(FieldReader& r, const std::string& key, std::int32_t fallback) {
  return to_int32(r, key, r.integer(key, fallback));
}

CustomMetadata read_custom_metadata(FieldReader& r) {
  CustomMetadata m;
  m.labels = r.string_map("labels");
  check_labels(r, "labels", m.labels);
  m.annotations = r.string_map("annotations");
  check_annotations(r, "annotations", m.annotations);
  return m;
}

GatewayRef read_gateway_ref(FieldReader& r) {
  GatewayRef g;
  g.group = r.string("group", "gateway.networking.k8s.io");
  g.kind = r.string("kind", "Gateway");
  g.name = r.string("name");
  if (g.name.empty()) r.error("name", "is required");
  g.namespace_ = r.string("namespace");
  g.section_name = r.string("sectionName");
  if (auto port = r.optional_integer("port")) {
    if (*port < 1 || *port > 65535)
      r.error("port", "must be 1..65535, got " + std::to_string(*port));
    else
      g.port = static_cast<std::int32_t>(*port);
  }
  return g;
}

IntOrString read_int_or_string(FieldReader& r, const std::string& key) {
  IntOrString v;
  auto raw = r.raw(key);
  if (raw.is_null()) return v;
  if (raw.is_number_integer()) {
    v.int_value = raw.get<std::int64_t>();
    if (v.int_value < 1 || v.int_value > 65535)
      r.error(key, "must be a port number 1..65535 or a port name, got " + raw.dump());
  } else if (raw.is_string()) {
    v.is_int = false;
    v.string_value = raw.get<std::string>();
  } else {
    r.error(key, "must be a port number or a port name, got " + describe_type(raw));
  }
  return v;
}

}  // namespace

ServiceSpec read_service(FieldReader& r) {
  ServiceSpec s;
  s.name = r.string("name");
  if (!r.has("port")) {
    r.error("port", "is required: the port the apex Service exposes (e.g. 80 or 9898)");
  } else {
    auto port = r.integer("port");
    if (port < 1 || port > 65535)
      r.error("port", "must be 1..65535, got " + std::to_string(port));
    else
      s.port = static_cast<std::int32_t>(port);
  }
  s.port_name = r.string("portName", "http");
  s.target_port = read_int_or_string(r, "targetPort");
  s.app_protocol = r.string("appProtocol");
  s.traffic_distribution =
      r.one_of("trafficDistribution", {"PreferClose", "PreferSameZone", "PreferSameNode"});
  s.port_discovery = r.boolean("portDiscovery");
  s.headless = r.boolean("headless");
  s.timeout = r.string("timeout");
  s.backend_timeout = r.string("backendTimeout");
  s.gateways = r.string_list("gateways");
  r.each("gatewayRefs",
         [&](FieldReader& g, std::size_t) { s.gateway_refs.push_back(read_gateway_ref(g)); });
  s.hosts = r.string_list("hosts");
  for (std::size_t i = 0; i < s.hosts.size(); ++i)
    if (auto why = host_problem(s.hosts[i]); !why.empty())
      r.error(index_path("hosts", i), quoted_value(s.hosts[i]) + " is not a valid host: " + why);
  s.delegation = r.boolean("delegation");
  s.traffic_policy = r.raw_object("trafficPolicy");
  s.match = r.raw_array("match");
  r.object("rewrite", [&](FieldReader& w) {
    HttpRewrite rw;
    rw.uri = w.string("uri");
    rw.authority = w.string("authority");
    rw.type = w.string("type");  // Flagger: ReplacePrefixMatch, anything else is a full path
    s.rewrite = rw;
  });
  s.retries = r.raw_object("retries");
  s.headers = r.raw_object("headers");
  s.mirror = r.raw_array("mirror");
  s.cors_policy = r.raw_object("corsPolicy");
  s.mesh_name = r.string("meshName");
  s.backends = r.string_list("backends");
  r.object("apex", [&](FieldReader& m) { s.apex = read_custom_metadata(m); });
  r.object("primary", [&](FieldReader& m) { s.primary = read_custom_metadata(m); });
  r.object("canary", [&](FieldReader& m) { s.canary = read_custom_metadata(m); });
  r.object("unmanagedMetadata", [&](FieldReader& m) {
    UnmanagedMetadata u;
    u.labels = m.string_list("labels");
    u.annotations = m.string_list("annotations");
    s.unmanaged_metadata = u;
  });
  return s;
}

namespace {

CountSource read_count_source(FieldReader& r) {
  CountSource c;
  c.query = r.string("query");
  r.object("templateRef", [&](FieldReader& t) { c.template_ref = read_named_reference(t); });
  if (c.query.empty() == !c.template_ref.has_value())
    r.error_here("set exactly one of query or templateRef");
  return c;
}

Comparison read_comparison(FieldReader& r) {
  Comparison c;
  if (!r.has("test"))
    r.error("test", "is required: one of sequential-binomial, bayes-binomial, mann-whitney, welch");
  auto test = r.one_of("test", {"sequential-binomial", "bayes-binomial", "mann-whitney", "welch"});
  if (test == "bayes-binomial") c.test = ComparisonTest::BayesBinomial;
  if (test == "mann-whitney") c.test = ComparisonTest::MannWhitney;
  if (test == "welch") c.test = ComparisonTest::Welch;
  if (r.one_of("direction", {"lower-is-better", "higher-is-better"}) == "higher-is-better")
    c.direction = Direction::HigherIsBetter;
  c.margin = r.optional_number("margin");
  c.relative_margin = r.optional_number("relativeMargin");
  c.alpha = r.number("alpha", 0.01);
  c.confidence = r.number("confidence", 0.95);
  c.min_samples = r.integer("minSamples", 0);
  c.early_promotion = r.boolean("earlyPromotion");
  c.slower_than = r.optional_duration("slowerThan");
  c.scrape_interval = r.duration("scrapeInterval", kDefaultScrapeInterval);
  r.object("errors", [&](FieldReader& e) { c.errors = read_count_source(e); });
  r.object("total", [&](FieldReader& t) { c.total = read_count_source(t); });
  return c;
}

CanaryMetric read_metric(FieldReader& r) {
  CanaryMetric m;
  m.name = r.string("name");
  if (m.name.empty()) r.error("name", "is required");
  m.interval = r.duration("interval", milliseconds(60'000));
  m.threshold = r.optional_number("threshold");
  r.object("thresholdRange", [&](FieldReader& t) {
    ThresholdRange range;
    range.min = t.optional_number("min");
    range.max = t.optional_number("max");
    m.threshold_range = range;
  });
  m.query = r.string("query");
  r.object("templateRef", [&](FieldReader& t) { m.template_ref = read_named_reference(t); });
  m.template_variables = r.string_map("templateVariables");
  r.object("comparison", [&](FieldReader& c) { m.comparison = read_comparison(c); });
  return m;
}

SessionAffinity read_session_affinity(FieldReader& r) {
  SessionAffinity s;
  s.cookie_name = r.string("cookieName");
  if (s.cookie_name.empty()) r.error("cookieName", "is required");
  s.primary_cookie_name = r.string("primaryCookieName");
  s.max_age = int32_field(r, "maxAge", 86400);
  s.domain = r.string("domain");
  s.http_only = r.boolean("httpOnly");
  s.partitioned = r.boolean("partitioned");
  s.path = r.string("path");
  s.same_site = r.one_of("sameSite", {"Strict", "Lax", "None"});
  s.secure = r.boolean("secure");
  return s;
}

Analysis read_analysis(FieldReader& r) {
  Analysis a;
  a.interval = r.duration("interval", milliseconds(60'000));
  a.iterations = int32_field(r, "iterations", 0);
  a.mirror = r.boolean("mirror");
  a.mirror_weight = int32_field(r, "mirrorWeight", 0);
  a.max_weight = int32_field(r, "maxWeight", 0);
  a.step_weight = int32_field(r, "stepWeight", 0);
  for (auto w : r.integer_list("stepWeights"))
    a.step_weights.push_back(to_int32(r, "stepWeights", w));
  a.step_weight_promotion = int32_field(r, "stepWeightPromotion", 0);
  // Written as 0 these would mean "never", yet Flagger (and veer) read 0 as "not set": refuse
  // the contradiction rather than run a rollout the author did not ask for.
  for (auto [key, value] :
       {std::pair{"maxWeight", a.max_weight}, std::pair{"mirrorWeight", a.mirror_weight},
        std::pair{"stepWeightPromotion", a.step_weight_promotion}})
    if (value == 0 && r.has(key))
      r.error(key, "must be 1..100 (0 would be read as not set); leave it out for the default");
  a.threshold = int32_field(r, "threshold", 1);
  a.primary_ready_threshold = int32_field(r, "primaryReadyThreshold", 100);
  a.canary_ready_threshold = int32_field(r, "canaryReadyThreshold", 100);
  r.each("alerts", [&](FieldReader& al, std::size_t) { a.alerts.push_back(read_alert(al)); });
  r.each("metrics", [&](FieldReader& m, std::size_t) { a.metrics.push_back(read_metric(m)); });
  r.each("webhooks", [&](FieldReader& w, std::size_t) { a.webhooks.push_back(read_webhook(w)); });
  auto match = r.raw_array("match");
  if (match.is_array()) a.match = match;
  r.object("sessionAffinity",
           [&](FieldReader& s) { a.session_affinity = read_session_affinity(s); });
  a.max_hold = r.optional_duration("maxHold");
  if (auto n = r.optional_integer("maxNoData")) a.max_no_data = to_int32(r, "maxNoData", *n);
  if (r.one_of("onHoldExpired", {"rollback", "pause"}, "rollback") == "pause")
    a.on_hold_expired = OnHoldExpired::Pause;
  return a;
}

AutoscalerRef read_autoscaler_ref(FieldReader& r) {
  AutoscalerRef a;
  a.api_version = r.string("apiVersion");
  a.kind = r.one_of("kind", {"HorizontalPodAutoscaler", "ScaledObject"});
  if (!r.has("kind")) r.error("kind", "is required: HorizontalPodAutoscaler or ScaledObject");
  a.name = r.string("name");
  if (a.name.empty()) r.error("name", "is required");
  a.primary_scaler_queries = r.string_map("primaryScalerQueries");
  r.object("primaryScalerReplicas", [&](FieldReader& p) {
    ScalerReplicas s;
    if (auto v = p.optional_integer("minReplicas")) s.min_replicas = to_int32(p, "minReplicas", *v);
    // The HorizontalPodAutoscaler API refuses fewer than 1; KEDA scales to zero.
    int least = a.kind == "ScaledObject" ? 0 : 1;
    if (s.min_replicas && *s.min_replicas < least)
      p.error("minReplicas", "must be at least " + std::to_string(least) + " for a " +
                                 (least ? "HorizontalPodAutoscaler" : "ScaledObject") + ", got " +
                                 std::to_string(*s.min_replicas));
    if (auto v = p.optional_integer("maxReplicas")) s.max_replicas = to_int32(p, "maxReplicas", *v);
    if (s.max_replicas && *s.max_replicas < 1)
      p.error("maxReplicas", "must be at least 1, got " + std::to_string(*s.max_replicas));
    a.primary_scaler_replicas = s;
  });
  return a;
}

CanarySpec read_spec(FieldReader& r) {
  CanarySpec s;
  s.provider = r.string("provider");
  s.metrics_server = r.string("metricsServer");
  if (!r.object("targetRef", [&](FieldReader& t) {
        s.target_ref = read_object_reference(t);
        if (!t.has("kind")) t.error("kind", "is required: Deployment, DaemonSet or Service");
      }))
    r.error("targetRef", "is required: the Deployment (or DaemonSet, Service) to roll out");
  else if (!s.target_ref.kind.empty() && s.target_ref.kind != "Deployment" &&
           s.target_ref.kind != "DaemonSet" && s.target_ref.kind != "Service")
    r.errors().push_back({r.path("targetRef.kind"),
                          "unsupported value \"" + s.target_ref.kind +
                              "\": must be one of Deployment, DaemonSet, Service",
                          0});
  r.object("autoscalerRef", [&](FieldReader& a) { s.autoscaler_ref = read_autoscaler_ref(a); });
  r.object("ingressRef", [&](FieldReader& i) { s.ingress_ref = read_object_reference(i); });
  r.object("routeRef", [&](FieldReader& i) { s.route_ref = read_object_reference(i); });
  r.object("upstreamRef", [&](FieldReader& i) { s.upstream_ref = read_object_reference(i); });
  // Knative routes between revisions of the target itself: no Services to generate.
  if (!r.object("service", [&](FieldReader& v) { s.service = read_service(v); }) &&
      s.provider != "knative")
    r.error("service", "is required: at least service.port");
  bool has_analysis = r.object("analysis", [&](FieldReader& a) { s.analysis = read_analysis(a); });
  if (r.has("canaryAnalysis") && has_analysis)
    r.error("canaryAnalysis", "is the deprecated name of analysis: set only analysis");
  else
    r.object("canaryAnalysis", [&](FieldReader& a) { s.analysis = read_analysis(a); });
  s.progress_deadline_seconds = int32_field(r, "progressDeadlineSeconds", 600);
  s.skip_analysis = r.boolean("skipAnalysis");
  s.revert_on_deletion = r.boolean("revertOnDeletion");
  s.suspend = r.boolean("suspend");
  return s;
}

}  // namespace

CanaryWebhook read_webhook(FieldReader& r) {
  CanaryWebhook w;
  // Flagger's CRD allows an empty type, which means rollout.
  auto type = r.string("type").empty() ? std::string("rollout")
                                       : r.one_of("type", kWebhookTypeNames, "rollout");
  w.type = parse_webhook_type(type).value_or(WebhookType::Rollout);
  w.name = r.string("name");
  if (w.name.empty()) r.error("name", "is required");
  w.url = r.string("url");
  if (w.url.empty()) r.error("url", "is required: the address veer POSTs the hook payload to");
  w.timeout = r.duration("timeout", milliseconds(10'000));
  w.metadata = r.string_map("metadata");
  w.retries = int32_field(r, "retries", 0);
  w.disable_tls = r.boolean("disableTLS");
  w.mute_alert = r.boolean("muteAlert");
  return w;
}

CanaryAlert read_alert(FieldReader& r) {
  CanaryAlert alert;
  alert.name = r.string("name");
  if (alert.name.empty()) r.error("name", "is required");
  // Flagger's CRD allows an empty severity, which means info.
  auto severity = r.string("severity").empty() ? std::string("info")
                                               : r.one_of("severity", kSeverities, "info");
  if (severity == "warn") alert.severity = AlertSeverity::Warn;
  if (severity == "error") alert.severity = AlertSeverity::Error;
  if (!r.object("providerRef",
                [&](FieldReader& p) { alert.provider_ref = read_named_reference(p); }))
    r.error("providerRef", "is required: the AlertProvider to notify");
  return alert;
}

Parsed<Canary> parse_canary(const nlohmann::json& document, bool accept_flagger) {
  Parsed<Canary> out;
  FieldReader root(document, "", out.errors);
  read_kind_header(root, "Canary", accept_flagger);
  root.object("metadata", [&](FieldReader& m) { out.value.metadata = read_object_meta(m); });
  if (!root.has("metadata")) root.error("metadata", "is required (at least metadata.name)");
  if (!root.object("spec", [&](FieldReader& s) { out.value.spec = read_spec(s); }))
    root.error("spec", "is required");
  if (root.has("status")) {
    auto status = parse_canary_status(root.raw("status"));
    out.value.status = status.value;
    for (auto& e : status.errors) out.errors.push_back({child_path("status", e.path), e.reason, 0});
  }
  root.reject_unknown();
  if (root.has("spec")) {
    auto rules = validate_canary(out.value);
    out.errors.insert(out.errors.end(), rules.begin(), rules.end());
    auto schema = flagger_schema_errors(document);
    out.errors.insert(out.errors.end(), schema.begin(), schema.end());
  }
  return out;
}

}  // namespace veer::model
