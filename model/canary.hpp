// The Canary kind (veer.dev/v1beta1): Flagger's flagger.app/v1beta1 Canary, field for field, plus
// veer's optional additions (statistical `comparison` on metrics, evidence in the status).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/object_meta.hpp"
#include "model/validation.hpp"

namespace veer::model {

using std::chrono::milliseconds;

// An int-or-string field such as service.targetPort.
struct IntOrString {
  bool is_int = true;
  std::int64_t int_value = 0;
  std::string string_value;
  bool empty() const { return is_int ? int_value == 0 : string_value.empty(); }
};

struct ScalerReplicas {
  std::optional<std::int32_t> min_replicas;
  std::optional<std::int32_t> max_replicas;
};

// spec.autoscalerRef: HorizontalPodAutoscaler or KEDA ScaledObject of the target.
struct AutoscalerRef {
  std::string api_version;
  std::string kind;  // HorizontalPodAutoscaler | ScaledObject
  std::string name;
  std::map<std::string, std::string> primary_scaler_queries;  // KEDA trigger name -> query
  std::optional<ScalerReplicas> primary_scaler_replicas;
};

// Labels and annotations for the apex, primary or canary Service.
struct CustomMetadata {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// Keys on generated objects that veer must leave alone (not remove).
struct UnmanagedMetadata {
  std::vector<std::string> labels;
  std::vector<std::string> annotations;
};

struct HttpRewrite {
  std::string uri;
  std::string authority;
  std::string type;  // Gateway API: ReplaceFullPath | ReplacePrefixMatch
};

// A Gateway API ParentReference (spec.service.gatewayRefs[]).
struct GatewayRef {
  std::string group;  // default gateway.networking.k8s.io
  std::string kind;   // default Gateway
  std::string name;
  std::string namespace_;
  std::string section_name;
  std::optional<std::int32_t> port;
};

struct ServiceSpec {
  std::string name;  // default: targetRef.name
  std::int32_t port = 0;
  std::string port_name = "http";
  IntOrString target_port;  // default: port
  std::string app_protocol;
  std::string traffic_distribution;  // PreferClose | PreferSameZone | PreferSameNode
  bool port_discovery = false;
  bool headless = false;
  std::string timeout;          // Istio/Gateway API route timeout, verbatim ("30s")
  std::string backend_timeout;  // Gateway API only
  std::vector<std::string> gateways;
  std::vector<GatewayRef> gateway_refs;
  std::vector<std::string> hosts;
  bool delegation = false;
  // Free-form router objects, copied verbatim into the routes (null when absent).
  nlohmann::json traffic_policy;  // Istio DestinationRule trafficPolicy
  nlohmann::json match;           // list of Istio HTTPMatchRequest / Gateway API matches
  std::optional<HttpRewrite> rewrite;
  nlohmann::json retries;             // Istio HTTPRetry
  nlohmann::json headers;             // {request, response: {add, set, remove}}
  nlohmann::json mirror;              // Gateway API mirror filters
  nlohmann::json cors_policy;         // Istio CorsPolicy
  std::string mesh_name;              // App Mesh
  std::vector<std::string> backends;  // App Mesh
  std::optional<CustomMetadata> apex;
  std::optional<CustomMetadata> primary;
  std::optional<CustomMetadata> canary;
  std::optional<UnmanagedMetadata> unmanaged_metadata;

  // targetPort as given, or port when unset.
  IntOrString effective_target_port() const;
};

struct ThresholdRange {
  std::optional<double> min;
  std::optional<double> max;
};

// veer: where a binomial comparison reads failed-request and total-request counts.
struct CountSource {
  std::string query;                           // inline PromQL, or
  std::optional<NamedReference> template_ref;  // a MetricTemplate
};

enum class ComparisonTest { SequentialBinomial, BayesBinomial, MannWhitney, Welch };
enum class Direction { LowerIsBetter, HigherIsBetter };

// veer: canary-vs-primary comparison over the same window (see docs/crds.md).
// Istio's and Linkerd's Prometheus scrape every 15 s.
inline constexpr std::chrono::milliseconds kDefaultScrapeInterval{15'000};

struct Comparison {
  ComparisonTest test = ComparisonTest::SequentialBinomial;
  Direction direction = Direction::LowerIsBetter;
  std::optional<double> margin;           // absolute, in the metric's unit
  std::optional<double> relative_margin;  // relative to the primary's value
  double alpha = 0.01;                    // docs/analysis.md "Defaults": false rollbacks <= 1%
  double confidence = 0.95;
  std::int64_t min_samples = 0;
  bool early_promotion = false;  // sequential-binomial only
  // request-duration: a request slower than this histogram bucket boundary counts as an "error".
  std::optional<milliseconds> slower_than;
  // How often Prometheus scrapes the counted series. `increase` over a window extrapolates the
  // samples' span to the window's length, so each counted request weighs window/(window - scrape
  // interval); binomial counts are scaled back by that factor (docs/analysis.md "Counting").
  milliseconds scrape_interval{kDefaultScrapeInterval};
  std::optional<CountSource> errors;
  std::optional<CountSource> total;

  bool binomial() const {
    return test == ComparisonTest::SequentialBinomial || test == ComparisonTest::BayesBinomial;
  }
};

struct CanaryMetric {
  std::string name;
  milliseconds interval{60'000};    // default 1m
  std::optional<double> threshold;  // deprecated in Flagger: min for success rate, else max
  std::optional<ThresholdRange> threshold_range;
  std::string query;                           // inline PromQL (deprecated in Flagger)
  std::optional<NamedReference> template_ref;  // a MetricTemplate
  std::map<std::string, std::string> template_variables;
  std::optional<Comparison> comparison;  // veer

  // request-success-rate or request-duration, with neither query nor templateRef.
  bool builtin() const;
};

enum class AlertSeverity { Info, Warn, Error };

struct CanaryAlert {
  std::string name;
  AlertSeverity severity = AlertSeverity::Info;
  NamedReference provider_ref;
};

enum class WebhookType {
  ConfirmRollout,
  PreRollout,
  Rollout,
  ConfirmTrafficIncrease,
  ConfirmPromotion,
  PostRollout,
  Rollback,
  Event,
};

struct CanaryWebhook {
  WebhookType type = WebhookType::Rollout;  // Flagger's default when `type` is empty
  std::string name;
  std::string url;
  milliseconds timeout{10'000};  // default 10s
  std::map<std::string, std::string> metadata;
  std::int32_t retries = 0;
  bool disable_tls = false;
  bool mute_alert = false;
};

struct SessionAffinity {
  std::string cookie_name;
  std::string primary_cookie_name;
  std::int32_t max_age = 86400;  // seconds
  std::string domain;
  bool http_only = false;
  bool partitioned = false;
  std::string path;
  std::string same_site;  // Strict | Lax | None, "" when unset
  bool secure = false;
};

// veer: what a rollout does when its hold budget (maxHold, maxNoData) runs out.
enum class OnHoldExpired { Rollback, Pause };

struct Analysis {
  milliseconds interval{60'000};  // default 60s; Flagger floors it to 10s at run time
  std::int32_t iterations = 0;
  bool mirror = false;
  std::int32_t mirror_weight = 0;
  std::int32_t max_weight = 0;  // 0 = unset; see CanarySpec::max_weight()
  std::int32_t step_weight = 0;
  std::vector<std::int32_t> step_weights;
  std::int32_t step_weight_promotion = 0;
  std::int32_t threshold = 1;
  std::int32_t primary_ready_threshold = 100;
  std::int32_t canary_ready_threshold = 100;
  std::vector<CanaryAlert> alerts;
  std::vector<CanaryMetric> metrics;
  std::vector<CanaryWebhook> webhooks;
  nlohmann::json match = nlohmann::json::array();  // Istio HTTPMatchRequest list, verbatim
  std::optional<SessionAffinity> session_affinity;
  // veer: bounds on holding at a weight for missing evidence (docs/analysis.md "Holding").
  std::optional<milliseconds> max_hold;     // total hold time per run; unset = kDefaultMaxHold
  std::optional<std::int32_t> max_no_data;  // NoData looks per run; unset = max(threshold, 5)
  OnHoldExpired on_hold_expired = OnHoldExpired::Rollback;
};

inline constexpr std::chrono::milliseconds kDefaultMaxHold{90 * 60'000};

enum class DeploymentStrategy { Canary, ABTesting, BlueGreen };

struct CanarySpec {
  std::string provider;        // "" = the operator's default (--mesh-provider)
  std::string metrics_server;  // "" = the operator's default (--metrics-server)
  ObjectReference target_ref;
  std::optional<AutoscalerRef> autoscaler_ref;
  std::optional<ObjectReference> ingress_ref;
  std::optional<ObjectReference> route_ref;
  std::optional<ObjectReference> upstream_ref;
  ServiceSpec service;
  std::optional<Analysis> analysis;  // also read from the deprecated `canaryAnalysis`
  std::int32_t progress_deadline_seconds = 600;
  bool skip_analysis = false;
  bool revert_on_deletion = false;
  bool suspend = false;

  // Flagger's DeploymentStrategy(): match + iterations => A/B; iterations => blue/green; else
  // canary. The `kubernetes` provider only supports blue/green; `default_provider` (the
  // operator's --mesh-provider) counts for a Canary without spec.provider.
  DeploymentStrategy strategy(std::string_view default_provider = "") const;
  // analysis.maxWeight, the last stepWeights entry when stepWeights is set, or 100.
  std::int32_t max_weight() const;
  // skipAnalysis, or no analysis at all.
  bool analysis_skipped() const { return skip_analysis || !analysis.has_value(); }
  // The apex Service name: service.name or targetRef.name.
  std::string service_name() const { return service.name.empty() ? target_ref.name : service.name; }
};

enum class CanaryPhase {
  None,  // "" before the first reconcile
  Initializing,
  Initialized,
  Waiting,
  Progressing,
  WaitingPromotion,
  Promoting,
  Finalising,
  Succeeded,
  Failed,
  Terminating,
  Terminated,
};

struct CanaryStatus {
  CanaryPhase phase = CanaryPhase::None;
  std::int32_t failed_checks = 0;
  std::int32_t canary_weight = 0;
  std::int32_t iterations = 0;
  std::string session_affinity_cookie;
  std::string previous_session_affinity_cookie;
  std::string primary_session_affinity_cookie;
  std::map<std::string, std::string> tracked_configs;  // "configmap/<n>" | "secret/<n>" -> hash
  std::string last_applied_spec;
  std::string last_promoted_spec;
  std::string last_transition_time;  // RFC 3339
  std::vector<Condition> conditions;
  // veer: the spec generation this status reflects.
  std::int64_t observed_generation = 0;
  // veer: evidence behind the latest verdicts (per metric: test, counts, effect, interval,
  // p- or e-value, decision), written by the controller and shown by CLI/dashboard. Kept as a
  // JSON object so the analysis part owns its shape; the CRD preserves unknown fields here.
  nlohmann::json evidence = nlohmann::json::object();
  // veer: the controller's resumable progress (step times, handled gates, waiting reason,
  // recent steps). Its shape belongs to operator/controller; the CRD preserves it.
  nlohmann::json rollout = nlohmann::json::object();
};

struct Canary {
  std::string api_version = "veer.dev/v1beta1";
  std::string kind = "Canary";
  ObjectMeta metadata;
  CanarySpec spec;
  CanaryStatus status;

  DeploymentStrategy strategy() const { return spec.strategy(); }
};

// Parses a Canary (veer.dev/v1beta1, or flagger.app/v1beta1 when `accept_flagger`) from its
// JSON, applying defaults and collecting every problem, schema and semantic alike.
Parsed<Canary> parse_canary(const nlohmann::json& document, bool accept_flagger = false);

// Only the semantic rules (stepWeights ascending, provider needs, ...); parse_canary runs them.
std::vector<FieldError> validate_canary(const Canary& canary);

nlohmann::json to_json(const CanaryStatus& status);
nlohmann::json to_json(const CanarySpec& spec);
nlohmann::json to_json(const Canary& canary);
// Reads a status written by to_json (or by Flagger); problems are returned, never thrown.
Parsed<CanaryStatus> parse_canary_status(const nlohmann::json& status);

std::string_view to_string(CanaryPhase phase);
std::optional<CanaryPhase> parse_canary_phase(std::string_view text);
std::string_view to_string(DeploymentStrategy strategy);  // canary | ab-testing | blue-green
std::string_view to_string(WebhookType type);             // confirm-rollout, ...
std::optional<WebhookType> parse_webhook_type(std::string_view text);
std::string_view to_string(AlertSeverity severity);  // info | warn | error
std::string_view to_string(ComparisonTest test);     // sequential-binomial, ...
std::string_view to_string(Direction direction);     // lower-is-better | higher-is-better

// The providers veer knows (Flagger's -mesh-provider values); others are rejected.
const std::vector<std::string>& known_providers();
// The providers veer routes itself (the rest are accepted for compatibility only).
bool provider_supported_by_veer(const std::string& provider);

}  // namespace veer::model
