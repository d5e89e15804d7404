// The flags of `veer operator` (docs/operator.md), and what they say once checked: everything a
// typo can get wrong is refused as a usage error naming the flag, before any connection.
#pragma once

#include <optional>
#include <string>

#include "http/outbound_policy.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/dashboard_flags.hpp"
#include "operator/cli/listen.hpp"
#include "operator/cli/outbound_flags.hpp"
#include "operator/notify/global_defaults.hpp"

namespace veer::cli {

// As typed; numbers stay text until check() so that the error can quote them.
struct OperatorFlags {
  std::string kubeconfig, context, ns, mesh_provider = "kubernetes";
  std::string metrics_server = "http://prometheus:9090", event_webhook;
  std::string lease_namespace, listen = ":8080", log_level = "info", log_format = "text";
  std::string max_rollouts = "0", max_per_namespace = "0", workers = "2";
  std::string metric_queries = "16";
  std::string qps, burst;  // "auto" unless given (set by the constructor)
  std::string ingress_prefix = "nginx.ingress.kubernetes.io";
  bool leader_elect = false;
  notify::GlobalDefaults defaults;
  OutboundFlags outbound;
  DashboardFlags dashboard;
  std::string admission_listen, admission_cert, admission_key;

  OperatorFlags();
  void add_to(ArgParser& parser);
};

// The flags' values, checked.
struct OperatorOptions {
  Listen listen;
  std::optional<Listen> admission_listen;
  int max_concurrent_rollouts = 0, max_rollouts_per_namespace = 0, workers = 0;
  int metric_queries = 0;
  std::optional<double> qps;  // nullopt: auto (runtime/fleet_rate.hpp)
  std::optional<int> burst;   // nullopt: auto
  http::OutboundPolicy policy;
};

// The options, or nullopt with `error` naming the flag and the value.
std::optional<OperatorOptions> check(const OperatorFlags& flags, std::string& error);

}  // namespace veer::cli
