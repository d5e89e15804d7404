// What a router reads from a Canary: the names, spec.service and the parts of spec.analysis that
// shape routing. Kept apart from the full model so that routers depend on routing facts only; the
// operator fills it from veer::model::Canary. Istio-shaped fields (match, retries, corsPolicy,
// trafficPolicy, headers, gatewayRefs) stay JSON because routers copy them verbatim.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::meshes {

// Labels and annotations the user wants on a generated object (spec.service.apex/primary/canary).
struct CustomMetadata {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// spec.analysis.sessionAffinity.
struct SessionAffinity {
  std::string cookie_name;
  std::string primary_cookie_name;  // optional second cookie pinning users to the primary
  int max_age = 86400;              // seconds
  // Max-Age of the primary cookie: the analysis interval in seconds (as Flagger), so a user
  // pinned to the primary is weighed again at each step.
  int primary_max_age = 60;
  std::string domain;
  std::string path;
  std::string same_site;  // Strict | Lax | None
  bool http_only = false;
  bool secure = false;
  bool partitioned = false;
};

// A further port of the generated Services (spec.service.portDiscovery).
struct ServicePort {
  std::string name;
  int port = 0;  // also the targetPort
  std::string protocol = "TCP";
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

struct CanaryRouting {
  // The Canary object itself: owner of every object veer creates.
  std::string api_version = "veer.dev/v1beta1";
  std::string kind = "Canary";
  std::string name;
  std::string namespace_;
  std::string uid;

  std::string target_name;             // spec.targetRef.name
  std::string selector_label = "app";  // pod label that tells primary from canary pods
  std::string selector_value;          // its value on the target's pods (defaults to target_name)
  // Knative: the revision the controller records as primary (the Canary's status); "" = the
  // Service's annotation, else its latest ready revision (the router alone, e.g. in tests).
  std::string primary_revision;

  // spec.service
  std::string service_name;  // defaults to target_name
  int port = 0;
  std::string port_name = "http";
  nlohmann::json target_port;  // int or named port; null means `port`
  std::string app_protocol;    // "tcp" switches Istio to TCP routes
  std::vector<std::string> hosts;
  std::vector<std::string> gateways;
  bool delegation = false;
  bool port_discovery = false;
  // With port_discovery, the target's other container ports (port_discovery.hpp); the operator
  // fills them from the target's pod template.
  std::vector<ServicePort> discovered_ports;
  bool headless = false;             // generated Services get clusterIP: None (on creation)
  std::string traffic_distribution;  // Service spec.trafficDistribution (Kubernetes 1.31+)
  std::string timeout;               // e.g. "30s"
  std::string backend_timeout;       // Gateway API timeouts.backendRequest
  nlohmann::json match;              // [Istio HTTPMatchRequest]
  nlohmann::json rewrite;            // Istio HTTPRewrite {uri, authority, type}
  nlohmann::json retries;            // Istio HTTPRetry
  nlohmann::json cors_policy;        // Istio CorsPolicy
  nlohmann::json headers;            // Istio Headers {request, response: {add, set, remove}}
  nlohmann::json traffic_policy;     // Istio TrafficPolicy for both DestinationRules
  nlohmann::json gateway_refs;       // [Gateway API ParentReference]
  nlohmann::json mirror_filters;     // [Gateway API HTTPRequestMirrorFilter] (spec.service.mirror)
  std::optional<CustomMetadata> apex_metadata;
  std::optional<CustomMetadata> primary_metadata;
  std::optional<CustomMetadata> canary_metadata;
  // spec.service.unmanagedMetadata: keys veer sets only when it creates an object.
  std::set<std::string> unmanaged_labels;
  std::set<std::string> unmanaged_annotations;

  std::string ingress_name;       // spec.ingressRef.name (nginx, skipper)
  std::string route_name;         // spec.routeRef.name (apisix)
  std::string mesh;               // metadata.annotations["kuma.io/mesh"] (kuma; "" means "default")
  std::string upstream_ref_name;  // spec.upstreamRef.name (gloo): the Upstream to copy
  std::string upstream_ref_namespace;  // spec.upstreamRef.namespace, default the Canary's

  // spec.analysis
  nlohmann::json analysis_match;  // [Istio HTTPMatchRequest]: non-empty means A/B testing
  int iterations = 0;             // > 0 means blue/green (or A/B with match)
  std::optional<SessionAffinity> session_affinity;

  std::string apex_name() const { return service_name.empty() ? target_name : service_name; }
  std::string primary_name() const { return apex_name() + "-primary"; }
  std::string canary_name() const { return apex_name() + "-canary"; }
  std::string pod_label_value() const {
    return selector_value.empty() ? target_name : selector_value;
  }
  bool ab_testing() const { return analysis_match.is_array() && !analysis_match.empty(); }
};

}  // namespace veer::meshes
