// `veer operator`: runs the Canary controller against a Kubernetes API server — informers, work
// queue, workers, the real metrics checker, notifications, rollout webhooks, /metrics, /healthz
// and /readyz, optional leader election — until SIGTERM or SIGINT (exit 0). See docs/operator.md.
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "http/outbound_policy.hpp"
#include "http/redact.hpp"
#include "model/canary.hpp"
#include "model/kube_names.hpp"
#include "model/mesh_providers.hpp"
#include "operator/admission/admission_server.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/dashboard_flags.hpp"
#include "operator/cli/listen.hpp"
#include "operator/cli/outbound_flags.hpp"
#include "operator/cli/signals.hpp"
#include "operator/kube/kubeconfig.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "operator/notify/curl_transport.hpp"
#include "operator/notify/delivery_queue.hpp"
#include "operator/notify/metrics_text.hpp"
#include "operator/runtime/alert_sink.hpp"
#include "operator/runtime/experiment_counts_source.hpp"
#include "operator/runtime/manager.hpp"
#include "operator/runtime/metrics_checker.hpp"
#include "operator/server/status_server.hpp"
#include "operator/webhooks/http_hook_poster.hpp"

namespace veer::cli {
namespace {

// The client's rate limit. Reads come from the informer caches; a Canary rolling out writes
// about 6 times per analysis step over its rollout (bench/scale/results.md), so 100 writes a
// second carry about 1,000 Canaries rolling out at once on a 1-minute interval; the burst lets
// about 80 Canaries due at the same instant step without waiting and covers the start-up lists.
// Flagger's load-tested defaults are the same (docs/operator.md "Client rate").
constexpr const char* kDefaultKubeApiQps = "100";
constexpr const char* kDefaultKubeApiBurst = "250";

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

// --kube-api-qps: a positive finite number of requests a second (fractions allowed, as in
// client-go); no "unlimited", so a fleet can never flood the API server by a typo.
bool parse_qps(const std::string& text, double& out, std::string& error) {
  try {
    std::size_t used = 0;
    out = std::stod(text, &used);
    if (used == text.size() && std::isfinite(out) && out > 0) return true;
  } catch (const std::exception&) {
  }
  error = "--kube-api-qps \"" + text + "\" is not a number > 0";
  return false;
}

// "a,b,c"; "(any)" for an empty list.
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out.empty() ? "(any)" : out;
}

// The namespace of the pod's service account, for the lease; "default" outside a cluster.
std::string pod_namespace() {
  std::ifstream file("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
  std::string ns;
  if (file >> ns && !ns.empty()) return ns;
  return "default";
}

std::string identity() {
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod)
    return std::string(pod) + "_" + std::to_string(getpid());
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0])
    return "veer_" + std::to_string(getpid());
  return std::string(host) + "_" + std::to_string(getpid());
}

int run_operator(Invocation& call) {
  std::string kubeconfig, context, ns, mesh_provider = "kubernetes";
  std::string metrics_server = "http://prometheus:9090", event_webhook;
  std::string lease_namespace, listen_text = ":8080", log_level = "info", log_format = "text";
  std::string max_rollouts = "0", max_per_namespace = "0", workers_text = "2";
  std::string qps_text = kDefaultKubeApiQps, burst_text = kDefaultKubeApiBurst;
  std::string ingress_prefix = "nginx.ingress.kubernetes.io";
  bool leader_elect = false;
  notify::GlobalDefaults defaults;

  ArgParser parser("operator", "[flags]",
                   "Runs the Canary controller against the cluster of the kubeconfig (or the "
                   "pod's service account) until SIGTERM or SIGINT. See docs/operator.md.");
  parser
      .option("kubeconfig", &kubeconfig, "PATH",
              "kubeconfig file (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)")
      .option("context", &context, "NAME", "kubeconfig context (default: current-context)")
      .option("kube-api-qps", &qps_text, "QPS",
              std::string("requests a second to the API server, on average (default ") +
                  kDefaultKubeApiQps + ")")
      .option("kube-api-burst", &burst_text, "N",
              std::string("requests above --kube-api-qps allowed at once (default ") +
                  kDefaultKubeApiBurst + ")")
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
      .option("listen", &listen_text, "HOST:PORT",
              "address of /metrics, /healthz and /readyz (default :8080; port 0 picks one)")
      .option("log-level", &log_level, "LEVEL", "trace|debug|info|warn|error (default info)")
      .choices("log-level", {"trace", "debug", "info", "warn", "error"})
      .option("log-format", &log_format, "FORMAT", "text or json (default text)")
      .choices("log-format", {"text", "json"})
      .option("max-concurrent-rollouts", &max_rollouts, "N",
              "at most N rollouts at once; others wait (default 0: no limit)")
      .option("max-rollouts-per-namespace", &max_per_namespace, "N",
              "at most N rollouts at once per namespace (default 0: no limit)")
      .option("workers", &workers_text, "N", "Canaries reconciled in parallel (default 2)");
  OutboundFlags outbound;
  outbound.add_to(parser, true);
  DashboardFlags dashboard_flags;
  dashboard_flags.add_to(parser, false);
  std::string admission_listen_text, admission_cert, admission_key;
  parser
      .option("admission-listen", &admission_listen_text, "HOST:PORT",
              "serve the validating admission webhook (HTTPS, POST /validate) here (default: off)")
      .option("admission-tls-cert", &admission_cert, "FILE",
              "PEM certificate chain of the admission webhook")
      .option("admission-tls-key", &admission_key, "FILE", "PEM key of the admission webhook");
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty()) return usage_error(parser, "takes no arguments", call.err);
  std::string error;
  auto listen = parse_listen("--listen", listen_text, error);
  if (!listen) return usage_error(parser, error, call.err);
  if (auto problem = dashboard_flags.check(); !problem.empty())
    return usage_error(parser, problem, call.err);
  std::optional<Listen> admission_listen;
  if (!admission_listen_text.empty()) {
    admission_listen = parse_listen("--admission-listen", admission_listen_text, error);
    if (!admission_listen) return usage_error(parser, error, call.err);
    if (admission_cert.empty() || admission_key.empty())
      return usage_error(parser,
                         "--admission-listen needs --admission-tls-cert and --admission-tls-key "
                         "(the API server calls webhooks over HTTPS only)",
                         call.err);
  } else if (!admission_cert.empty() || !admission_key.empty()) {
    return usage_error(
        parser, "--admission-tls-cert and --admission-tls-key need --admission-listen", call.err);
  }
  int max_total = 0, max_ns = 0, workers = 0, burst = 0;
  double qps = 0;
  if (!parse_count("max-concurrent-rollouts", max_rollouts, 0, max_total, error) ||
      !parse_count("max-rollouts-per-namespace", max_per_namespace, 0, max_ns, error) ||
      !parse_count("workers", workers_text, 1, workers, error) ||
      !parse_qps(qps_text, qps, error) ||
      !parse_count("kube-api-burst", burst_text, 1, burst, error))
    return usage_error(parser, error, call.err);
  if (!model::is_known_provider(mesh_provider))
    return usage_error(
        parser,
        "--mesh-provider \"" + mesh_provider + "\" is not one of " + model::known_providers_text(),
        call.err);
  if (auto problem = model::dns1123_subdomain_problem(ingress_prefix); !problem.empty())
    return usage_error(parser, "--ingress-annotations-prefix \"" + ingress_prefix + "\" " + problem,
                       call.err);
  if (metrics_server.find("://") == std::string::npos)
    return usage_error(parser, "--metrics-server \"" + metrics_server + "\" is not a URL",
                       call.err);
  std::string policy_error;
  const auto policy = outbound.policy(policy_error);
  if (!policy) return usage_error(parser, policy_error, call.err);
  http::set_outbound_policy(*policy);
  for (const auto& [flag, url] :
       {std::pair<std::string, std::string>{"--metrics-server", metrics_server},
        {"--event-webhook", event_webhook}}) {
    if (url.empty()) continue;
    if (auto refused = http::refuse_url(*policy, url)) {
      return usage_error(parser, flag + " " + http::redact(url) + ": " + *refused, call.err);
    }
  }
  notify::apply_environment(defaults);

  runtime::Logger logger(call.err, *runtime::parse_log_format(log_format),
                         *runtime::parse_log_level(log_level));
  auto config = kube::load_client_config({kubeconfig, context});
  if (!config) {
    logger.error("cannot start: " + config.error().message);
    call.err << "veer operator: " << config.error().message << "\n";
    return 1;
  }

  config->qps = qps;
  config->burst = burst;

  SignalGuard signals;  // before any thread starts, so every thread leaves the signals to us
  base::RealClock clock;
  kube::RestCluster cluster(*config, clock);
  if (auto version = cluster.check(); !version) {
    call.err << "veer operator: cannot reach the API server " << config->server << " ("
             << config->origin << "): " << version.error().message << "\n";
    return 1;
  }

  runtime::ManagerSettings settings;
  settings.ns = ns;
  settings.workers = workers;
  settings.logger = &logger;
  settings.reconciler.decide.default_provider = mesh_provider;
  settings.reconciler.ingress_annotations_prefix = ingress_prefix;
  settings.reconciler.max_concurrent_rollouts = max_total;
  settings.reconciler.max_rollouts_per_namespace = max_ns;
  settings.reconciler.event_webhook = event_webhook;
  settings.leader_elect = leader_elect;
  settings.leader_election.ns = lease_namespace.empty() ? pod_namespace() : lease_namespace;
  settings.leader_election.identity = identity();
  runtime::Manager manager(cluster, clock, settings);
  if (auto problem = manager.check(); !problem.empty()) {
    call.err << "veer operator: " << problem << "\n";
    return 1;
  }

  notify::CurlTransport transport;
  notify::DeliveryQueue deliveries(clock, transport);
  manager.add_metrics_source(
      [&] { return notify::prometheus_text(deliveries.by_provider(), deliveries.pending()); });
  runtime::AnalysisMetricsChecker checker(manager.cache(), clock, {metrics_server});
  // Experiments' counts come from the same --metrics-server (or each one's metricsServer).
  runtime::ExperimentCountsSource experiment_counts(manager.cache(), {metrics_server});
  runtime::NotifyAlertSink alerts(manager.cache(), clock, deliveries, defaults, &logger);
  webhooks::HttpHookPoster hooks;

  std::unique_ptr<server::StatusServer> http;
  try {
    http = std::make_unique<server::StatusServer>(
        listen->host, listen->port,
        std::map<std::string, server::Route>{
            {"/metrics",
             [&] {
               return server::Reply{200, "text/plain; version=0.0.4; charset=utf-8",
                                    manager.metrics_text()};
             }},
            {"/healthz",
             [] {
               return server::Reply{200, "text/plain; charset=utf-8", "ok\n"};
             }},
            {"/readyz", [&] {
               const auto r = manager.readiness();
               nlohmann::json body = {{"ready", r.ready}, {"detail", r.detail}};
               if (r.leader_election) {
                 body["leader"] = r.leader;
                 body["leader_identity"] = r.leader_identity;
               }
               return server::Reply{r.ready ? 200 : 503, "application/json", body.dump() + "\n"};
             }}});
  } catch (const std::exception& e) {
    call.err << "veer operator: " << e.what() << "\n";
    return 1;
  }
  const auto address = listen->host + ":" + std::to_string(http->port());
  logger.info("listening on " + address, {{"address", address}});
  std::unique_ptr<dashboard::DashboardServer> dashboard;
  if (dashboard_flags.wanted()) {
    try {
      auto options = dashboard_flags.options(cluster, ns, error, nullptr);
      if (!options) {
        call.err << "veer operator: " << error << "\n";
        return 1;
      }
      dashboard = std::make_unique<dashboard::DashboardServer>(cluster, clock, std::move(*options));
    } catch (const std::exception& e) {
      call.err << "veer operator: dashboard: " << e.what() << "\n";
      return 1;
    }
    const auto at = dashboard->address();
    logger.info("dashboard listening on " + at, {{"address", at}});
  }
  std::unique_ptr<admission::AdmissionServer> admission;
  if (admission_listen) {
    admission::AdmissionSettings a;
    a.host = admission_listen->host;
    a.port = admission_listen->port;
    a.tls_cert_file = admission_cert;
    a.tls_key_file = admission_key;
    a.validation.mesh_provider = mesh_provider;  // as the controller reads spec.provider
    try {
      admission = std::make_unique<admission::AdmissionServer>(a);
    } catch (const std::exception& e) {
      call.err << "veer operator: admission webhook: " << e.what() << "\n";
      return 1;
    }
    const auto at = admission->address();
    logger.info("admission webhook listening on " + at, {{"address", at}});
  }
  logger.info("veer operator starting",
              {{"version", VEER_VERSION},
               {"server", config->server},
               {"namespace", ns.empty() ? "(all)" : ns},
               {"mesh_provider", mesh_provider},
               {"metrics_server", http::redact(metrics_server)},
               {"leader_elect", leader_elect ? "true" : "false"},
               {"allowed_url_hosts", join(policy->allowed_hosts)},
               {"deny_link_local", policy->deny_link_local ? "true" : "false"},
               {"max_response_bytes", std::to_string(policy->max_response_bytes)},
               {"max_outbound_calls", std::to_string(policy->max_concurrent_calls)}});
  manager.start({hooks, checker, alerts, &experiment_counts, &alerts});

  const int signal = signals.wait();
  logger.info("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  manager.stop();  // finishes the reconciles in flight, releases the lease
  deliveries.wait_until_idle(std::chrono::seconds(5));
  if (dashboard) dashboard->stop();
  if (admission) admission->stop();
  http->stop();
  logger.info("stopped");
  return 0;
}

}  // namespace

VEER_COMMAND("operator", "run the Canary controller against a Kubernetes cluster", run_operator);

}  // namespace veer::cli
