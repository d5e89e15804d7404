#include "operator/cli/operator_flags.hpp"

#include <cmath>
#include <exception>
#include <utility>

#include "http/redact.hpp"
#include "model/kube_names.hpp"
#include "model/mesh_providers.hpp"

namespace veer::cli {
namespace {

// The client's rate limit: "auto" follows the fleet (runtime/fleet_rate.hpp: 100 a second plus
// 4 writes per analysis interval of each Canary and Experiment, bursts of 2.5 times that), so
// that all of them can step at once; a number pins it (docs/operator.md "Client rate").
constexpr const char* kAuto = "auto";

bool parse_count(const std::string& flag, const std::string& text, int min, int& out,
                 std::string& error) {
  try {
    std::size_t used = 0;
    out = std::stoi(text, &used);
    if (used == text.size() && out >= min) return true;
  } catch (const std::exception&) {
  }
  error = "--" + flag + " \"" + text + "\" is not a whole number >= " + std::to_string(min);
  return false;
}

// --kube-api-qps: "auto" (nullopt) or a positive finite number of requests a second (fractions
// allowed, as in client-go); no "unlimited", so a fleet can never flood the API server by a typo.
bool parse_qps(const std::string& text, std::optional<double>& out, std::string& error) {
  if (text == kAuto) {
    out.reset();
    return true;
  }
  try {
    std::size_t used = 0;
    const double qps = std::stod(text, &used);
    if (used == text.size() && std::isfinite(qps) && qps > 0) {
      out = qps;
      return true;
    }
  } catch (const std::exception&) {
  }
  error = "--kube-api-qps \"" + text + "\" is not a number > 0 or auto";
  return false;
}

// --kube-api-burst: "auto" (nullopt) or a whole number >= 1.
bool parse_burst(const std::string& text, std::optional<int>& out, std::string& error) {
  if (text == kAuto) {
    out.reset();
    return true;
  }
  int burst = 0;
  if (!parse_count("kube-api-burst", text, 1, burst, error)) {
    error += " or auto";
    return false;
  }
  out = burst;
  return true;
}

// The admission webhook's three flags go together.
bool check_admission(const OperatorFlags& flags, OperatorOptions& options, std::string& error) {
  if (flags.admission_listen.empty()) {
    if (flags.admission_cert.empty() && flags.admission_key.empty()) return true;
    error = "--admission-tls-cert and --admission-tls-key need --admission-listen";
    return false;
  }
  options.admission_listen = parse_listen("--admission-listen", flags.admission_listen, error);
  if (!options.admission_listen) return false;
  if (!flags.admission_cert.empty() && !flags.admission_key.empty()) return true;
  error =
      "--admission-listen needs --admission-tls-cert and --admission-tls-key (the API server "
      "calls webhooks over HTTPS only)";
  return false;
}

// The URLs veer calls on its own, against the outbound policy.
bool check_urls(const OperatorFlags& flags, const http::OutboundPolicy& policy,
                std::string& error) {
  if (flags.metrics_server.find("://") == std::string::npos) {
    error = "--metrics-server \"" + flags.metrics_server + "\" is not a URL";
    return false;
  }
  for (const auto& [flag, url] :
       {std::pair<std::string, std::string>{"--metrics-server", flags.metrics_server},
        {"--event-webhook", flags.event_webhook}}) {
    if (url.empty()) continue;
    if (auto refused = http::refuse_url(policy, url)) {
      error = flag + " " + http::redact(url) + ": " + *refused;
      return false;
    }
  }
  return true;
}

}  // namespace

OperatorFlags::OperatorFlags() : qps(kAuto), burst(kAuto) {}

void OperatorFlags::add_to(ArgParser& parser) {
  parser
      .option("kubeconfig", &kubeconfig, "PATH",
              "kubeconfig file (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)")
      .option("context", &context, "NAME", "kubeconfig context (default: current-context)")
      .option("kube-api-qps", &qps, "QPS",
              "requests a second to the API server, on average, or auto: 100 plus 4 per analysis "
              "interval of each Canary and Experiment (default auto)")
      .option("kube-api-burst", &burst, "N",
              "requests above --kube-api-qps allowed at once, or auto: 2.5 times the QPS "
              "(default auto)")
      .option("namespace", &ns, "NS", "watch only this namespace (default: all)", 'n')
      .option("mesh-provider", &mesh_provider, "P",
              "traffic router for Canaries without spec.provider (default kubernetes)")
      .option("ingress-annotations-prefix", &ingress_prefix, "PREFIX",
              "annotation prefix of the NGINX ingress controller's --annotations-prefix, for "
              "the nginx provider's canary Ingress (default nginx.ingress.kubernetes.io)")
      .option("metrics-server", &metrics_server, "URL",
              "Prometheus for built-in metrics and templates without an address "
              "(default http://prometheus:9090)")
      .option("event-webhook", &event_webhook, "URL",
              "POST every Canary event here (Flagger's event webhook payload)");
  for (const auto& f : notify::global_default_flags())
    parser.option(f.flag, &(defaults.*f.field), "VALUE",
                  std::string(f.help) + " (env " + f.env + "); used for Canaries without alerts");
  parser.flag("leader-elect", &leader_elect, "run workers only while holding the leader lease")
      .option("leader-election-namespace", &lease_namespace, "NS",
              "namespace of the lease (default: the pod's namespace, else default)")
      .option("listen", &listen, "HOST:PORT",
              "address of /metrics, /healthz and /readyz (default :8080; port 0 picks one)")
      .option("log-level", &log_level, "LEVEL", "trace|debug|info|warn|error (default info)")
      .choices("log-level", {"trace", "debug", "info", "warn", "error"})
      .option("log-format", &log_format, "FORMAT", "text or json (default text)")
      .choices("log-format", {"text", "json"})
      .option("max-concurrent-rollouts", &max_rollouts, "N",
              "at most N rollouts at once; others wait (default 0: no limit)")
      .option("max-rollouts-per-namespace", &max_per_namespace, "N",
              "at most N rollouts at once per namespace (default 0: no limit)")
      .option("workers", &workers, "N", "Canaries reconciled in parallel (default 2)")
      .option("metric-query-concurrency", &metric_queries, "N",
              "metric analyses at once, on threads of their own: at most N queries to metrics "
              "providers in flight (default 16; 0: on the workers)");
  outbound.add_to(parser, true);
  dashboard.add_to(parser, false);
  parser
      .option("admission-listen", &admission_listen, "HOST:PORT",
              "serve the validating admission webhook (HTTPS, POST /validate) here (default: off)")
      .option("admission-tls-cert", &admission_cert, "FILE",
              "PEM certificate chain of the admission webhook")
      .option("admission-tls-key", &admission_key, "FILE", "PEM key of the admission webhook");
}

std::optional<OperatorOptions> check(const OperatorFlags& flags, std::string& error) {
  OperatorOptions options;
  auto listen = parse_listen("--listen", flags.listen, error);
  if (!listen) return std::nullopt;
  options.listen = *listen;
  if (error = flags.dashboard.check(); !error.empty()) return std::nullopt;
  if (!check_admission(flags, options, error)) return std::nullopt;
  if (!parse_count("max-concurrent-rollouts", flags.max_rollouts, 0,
                   options.max_concurrent_rollouts, error) ||
      !parse_count("max-rollouts-per-namespace", flags.max_per_namespace, 0,
                   options.max_rollouts_per_namespace, error) ||
      !parse_count("workers", flags.workers, 1, options.workers, error) ||
      !parse_count("metric-query-concurrency", flags.metric_queries, 0, options.metric_queries,
                   error) ||
      !parse_qps(flags.qps, options.qps, error) || !parse_burst(flags.burst, options.burst, error))
    return std::nullopt;
  if (!model::is_known_provider(flags.mesh_provider)) {
    error = "--mesh-provider \"" + flags.mesh_provider + "\" is not one of " +
            model::known_providers_text();
    return std::nullopt;
  }
  if (auto problem = model::dns1123_subdomain_problem(flags.ingress_prefix); !problem.empty()) {
    error = "--ingress-annotations-prefix \"" + flags.ingress_prefix + "\" " + problem;
    return std::nullopt;
  }
  auto policy = flags.outbound.policy(error);
  if (!policy) return std::nullopt;
  options.policy = *policy;
  if (!check_urls(flags, options.policy, error)) return std::nullopt;
  return options;
}

}  // namespace veer::cli
