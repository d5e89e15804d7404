// The string forms of the Canary enums, shared by parsing, to_json and the CLI.
#include <algorithm>
#include <array>

#include "model/canary.hpp"

namespace veer::model {

namespace {

constexpr std::array<std::pair<CanaryPhase, std::string_view>, 12> kPhases{{
    {CanaryPhase::None, ""},
    {CanaryPhase::Initializing, "Initializing"},
    {CanaryPhase::Initialized, "Initialized"},
    {CanaryPhase::Waiting, "Waiting"},
    {CanaryPhase::Progressing, "Progressing"},
    {CanaryPhase::WaitingPromotion, "WaitingPromotion"},
    {CanaryPhase::Promoting, "Promoting"},
    {CanaryPhase::Finalising, "Finalising"},
    {CanaryPhase::Succeeded, "Succeeded"},
    {CanaryPhase::Failed, "Failed"},
    {CanaryPhase::Terminating, "Terminating"},
    {CanaryPhase::Terminated, "Terminated"},
}};

constexpr std::array<std::pair<WebhookType, std::string_view>, 8> kWebhookTypes{{
    {WebhookType::ConfirmRollout, "confirm-rollout"},
    {WebhookType::PreRollout, "pre-rollout"},
    {WebhookType::Rollout, "rollout"},
    {WebhookType::ConfirmTrafficIncrease, "confirm-traffic-increase"},
    {WebhookType::ConfirmPromotion, "confirm-promotion"},
    {WebhookType::PostRollout, "post-rollout"},
    {WebhookType::Rollback, "rollback"},
    {WebhookType::Event, "event"},
}};

template <class Table, class Enum>
std::string_view name_of(const Table& table, Enum value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "";
}

}  // namespace

std::string_view to_string(CanaryPhase phase) {
  return name_of(kPhases, phase);
}

std::optional<CanaryPhase> parse_canary_phase(std::string_view text) {
  for (const auto& [phase, name] : kPhases)
    if (name == text) return phase;
  return std::nullopt;
}

std::string_view to_string(WebhookType type) {
  return name_of(kWebhookTypes, type);
}

std::optional<WebhookType> parse_webhook_type(std::string_view text) {
  for (const auto& [type, name] : kWebhookTypes)
    if (name == text) return type;
  return std::nullopt;
}

std::string_view to_string(DeploymentStrategy strategy) {
  switch (strategy) {
    case DeploymentStrategy::ABTesting:
      return "ab-testing";
    case DeploymentStrategy::BlueGreen:
      return "blue-green";
    default:
      return "canary";
  }
}

std::string_view to_string(AlertSeverity severity) {
  switch (severity) {
    case AlertSeverity::Warn:
      return "warn";
    case AlertSeverity::Error:
      return "error";
    default:
      return "info";
  }
}

std::string_view to_string(ComparisonTest test) {
  switch (test) {
    case ComparisonTest::BayesBinomial:
      return "bayes-binomial";
    case ComparisonTest::MannWhitney:
      return "mann-whitney";
    case ComparisonTest::Welch:
      return "welch";
    default:
      return "sequential-binomial";
  }
}

std::string_view to_string(Direction direction) {
  return direction == Direction::HigherIsBetter ? "higher-is-better" : "lower-is-better";
}

const std::vector<std::string>& known_providers() {
  static const std::vector<std::string> providers{
      "istio",        "linkerd",      "smi",        "smi:v1alpha1",    "smi:v1alpha2",
      "smi:v1alpha3", "smi:v1alpha4", "gatewayapi", "gatewayapi:v1",   "gatewayapi:v1beta1",
      "nginx",        "kubernetes",   "appmesh",    "appmesh:v1beta2", "contour",
      "gloo",         "kuma",         "osm",        "skipper",         "traefik",
      "apisix",       "knative"};
  return providers;
}

bool provider_supported_by_veer(const std::string& provider) {
  static const std::vector<std::string> supported{"",
                                                  "istio",
                                                  "linkerd",
                                                  "smi",
                                                  "smi:v1alpha1",
                                                  "smi:v1alpha2",
                                                  "smi:v1alpha3",
                                                  "smi:v1alpha4",
                                                  "gatewayapi",
                                                  "gatewayapi:v1",
                                                  "gatewayapi:v1beta1",
                                                  "nginx",
                                                  "kubernetes",
                                                  "contour",
                                                  "gloo",
                                                  "traefik",
                                                  "skipper",
                                                  "apisix",
                                                  "kuma",
                                                  "knative"};
  if (std::find(supported.begin(), supported.end(), provider) != supported.end()) return true;
  // "smi:<version>:<mesh>", Flagger's form naming the mesh that reads the TrafficSplit.
  for (const char* version : {"smi:v1alpha1:", "smi:v1alpha2:", "smi:v1alpha3:", "smi:v1alpha4:"}) {
    const std::string prefix = version;
    if (provider.size() > prefix.size() && provider.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool CanaryMetric::builtin() const {
  return query.empty() && !template_ref &&
         (name == "request-success-rate" || name == "request-duration");
}

IntOrString ServiceSpec::effective_target_port() const {
  if (!target_port.empty()) return target_port;
  return IntOrString{true, port, ""};
}

DeploymentStrategy CanarySpec::strategy(std::string_view default_provider) const {
  const std::string_view effective = provider.empty() ? default_provider : provider;
  if (effective == "kubernetes") return DeploymentStrategy::BlueGreen;
  if (!analysis) return DeploymentStrategy::Canary;
  bool has_match = analysis->match.is_array() && !analysis->match.empty();
  if (has_match && analysis->iterations > 0) return DeploymentStrategy::ABTesting;
  if (analysis->iterations > 0) return DeploymentStrategy::BlueGreen;
  return DeploymentStrategy::Canary;
}

std::int32_t CanarySpec::max_weight() const {
  if (!analysis) return 100;
  if (!analysis->step_weights.empty()) return analysis->step_weights.back();
  if (analysis->max_weight > 0) return analysis->max_weight;
  return 100;
}

}  // namespace veer::model
