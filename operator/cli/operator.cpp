// `veer operator`: runs the Canary controller against a Kubernetes API server — informers, work
// queue, workers, the real metrics checker, notifications, rollout webhooks, /metrics, /healthz
// and /readyz, optional leader election — until SIGTERM or SIGINT (exit 0). See docs/operator.md.
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "http/outbound_policy.hpp"
#include "http/redact.hpp"
#include "operator/admission/admission_server.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/operator_flags.hpp"
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

runtime::ManagerSettings manager_settings(const OperatorFlags& flags,
                                          const OperatorOptions& options, runtime::Logger& logger) {
  runtime::ManagerSettings settings;
  settings.ns = flags.ns;
  settings.workers = options.workers;
  settings.analysis_concurrency = options.metric_queries;
  settings.logger = &logger;
  settings.reconciler.decide.default_provider = flags.mesh_provider;
  settings.reconciler.ingress_annotations_prefix = flags.ingress_prefix;
  settings.reconciler.max_concurrent_rollouts = options.max_concurrent_rollouts;
  settings.reconciler.max_rollouts_per_namespace = options.max_rollouts_per_namespace;
  settings.reconciler.event_webhook = flags.event_webhook;
  settings.leader_elect = flags.leader_elect;
  settings.leader_election.ns =
      flags.lease_namespace.empty() ? pod_namespace() : flags.lease_namespace;
  settings.leader_election.identity = identity();
  return settings;
}

// /metrics, /healthz and /readyz.
std::unique_ptr<server::StatusServer> start_status_server(const Listen& listen,
                                                          runtime::Manager& manager) {
  return std::make_unique<server::StatusServer>(
      listen.host, listen.port,
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
}

std::unique_ptr<admission::AdmissionServer> start_admission(const OperatorFlags& flags,
                                                            const Listen& listen) {
  admission::AdmissionSettings a;
  a.host = listen.host;
  a.port = listen.port;
  a.tls_cert_file = flags.admission_cert;
  a.tls_key_file = flags.admission_key;
  a.validation.mesh_provider = flags.mesh_provider;  // as the controller reads spec.provider
  return std::make_unique<admission::AdmissionServer>(a);
}

void log_start(runtime::Logger& logger, const OperatorFlags& flags, const OperatorOptions& options,
               const std::string& server) {
  logger.info("veer operator starting",
              {{"version", VEER_VERSION},
               {"server", server},
               {"namespace", flags.ns.empty() ? "(all)" : flags.ns},
               {"mesh_provider", flags.mesh_provider},
               {"metrics_server", http::redact(flags.metrics_server)},
               {"leader_elect", flags.leader_elect ? "true" : "false"},
               {"kube_api_qps", flags.qps},
               {"kube_api_burst", flags.burst},
               {"allowed_url_hosts", join(options.policy.allowed_hosts)},
               {"deny_link_local", options.policy.deny_link_local ? "true" : "false"},
               {"max_response_bytes", std::to_string(options.policy.max_response_bytes)},
               {"max_outbound_calls", std::to_string(options.policy.max_concurrent_calls)}});
}

int run_operator(Invocation& call) {
  OperatorFlags flags;
  ArgParser parser("operator", "[flags]",
                   "Runs the Canary controller against the cluster of the kubeconfig (or the "
                   "pod's service account) until SIGTERM or SIGINT. See docs/operator.md.");
  flags.add_to(parser);
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty()) return usage_error(parser, "takes no arguments", call.err);
  std::string error;
  const auto options = check(flags, error);
  if (!options) return usage_error(parser, error, call.err);
  http::set_outbound_policy(options->policy);
  notify::apply_environment(flags.defaults);

  runtime::Logger logger(call.err, *runtime::parse_log_format(flags.log_format),
                         *runtime::parse_log_level(flags.log_level));
  auto config = kube::load_client_config({flags.kubeconfig, flags.context});
  if (!config) {
    logger.error("cannot start: " + config.error().message);
    call.err << "veer operator: " << config.error().message << "\n";
    return 1;
  }

  SignalGuard signals;  // before any thread starts, so every thread leaves the signals to us
  base::RealClock clock;
  kube::RestCluster cluster(*config, clock);
  auto settings = manager_settings(flags, *options, logger);
  // Sets the client's rate now (the floor, or the numbers given) and as the fleet is seen.
  runtime::FleetRate fleet_rate(
      {options->qps, options->burst, settings.reconciler.decide.min_interval},
      [&](const runtime::ClientRate& rate) { cluster.set_rate(rate.qps, rate.burst); });
  settings.fleet_rate = &fleet_rate;
  if (auto version = cluster.check(); !version) {
    call.err << "veer operator: cannot reach the API server " << config->server << " ("
             << config->origin << "): " << version.error().message << "\n";
    return 1;
  }
  runtime::Manager manager(cluster, clock, settings);
  if (auto problem = manager.check(); !problem.empty()) {
    call.err << "veer operator: " << problem << "\n";
    return 1;
  }

  notify::CurlTransport transport;
  notify::DeliveryQueue deliveries(clock, transport);
  manager.add_metrics_source(
      [&] { return notify::prometheus_text(deliveries.by_provider(), deliveries.pending()); });
  manager.add_metrics_source([&] { return fleet_rate.prometheus_text(); });
  runtime::AnalysisMetricsChecker checker(manager.cache(), clock, {flags.metrics_server});
  // Experiments' counts come from the same --metrics-server (or each one's metricsServer).
  runtime::ExperimentCountsSource experiment_counts(manager.cache(), {flags.metrics_server});
  runtime::NotifyAlertSink alerts(manager.cache(), clock, deliveries, flags.defaults, &logger);
  webhooks::HttpHookPoster hooks;

  std::unique_ptr<server::StatusServer> http;
  std::unique_ptr<dashboard::DashboardServer> dashboard;
  std::unique_ptr<admission::AdmissionServer> admission;
  const char* starting = "";
  try {
    http = start_status_server(options->listen, manager);
    const auto address = options->listen.host + ":" + std::to_string(http->port());
    logger.info("listening on " + address, {{"address", address}});
    if (flags.dashboard.wanted()) {
      starting = "dashboard: ";
      auto dashboard_options = flags.dashboard.options(cluster, flags.ns, error, nullptr);
      if (!dashboard_options) {
        call.err << "veer operator: " << error << "\n";
        return 1;
      }
      dashboard = std::make_unique<dashboard::DashboardServer>(cluster, clock,
                                                               std::move(*dashboard_options));
      logger.info("dashboard listening on " + dashboard->address(),
                  {{"address", dashboard->address()}});
    }
    if (options->admission_listen) {
      starting = "admission webhook: ";
      admission = start_admission(flags, *options->admission_listen);
      logger.info("admission webhook listening on " + admission->address(),
                  {{"address", admission->address()}});
    }
  } catch (const std::exception& e) {
    call.err << "veer operator: " << starting << e.what() << "\n";
    return 1;
  }
  log_start(logger, flags, *options, config->server);
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
