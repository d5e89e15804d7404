// How to reach and authenticate to an API server: from a kubeconfig file (--kubeconfig,
// $KUBECONFIG, ~/.kube/config; current context or --context) or from inside a pod.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

// An exec credential plugin (users[].user.exec): a command printing an ExecCredential.
struct ExecPlugin {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;
};

struct ClientConfig {
  std::string server;          // "https://127.0.0.1:6443"
  std::string origin;          // where this came from, for messages: "kubeconfig F, context C"
  std::string ns = "default";  // the context's namespace

  std::string ca_data;  // PEM; or
  std::string ca_file;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;

  std::string token;       // bearer token; or
  std::string token_file;  // re-read when it changes (rotated service-account tokens)
  std::string client_cert_data, client_cert_file;
  std::string client_key_data, client_key_file;
  std::optional<ExecPlugin> exec;

  double qps = 50;  // client-side rate limit (client-go: 5/10; veer operator: --kube-api-qps)
  int burst = 100;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // every request but watches
  std::string user_agent = "veer";
};

struct KubeconfigOptions {
  std::string path;     // --kubeconfig; "" = $KUBECONFIG, then ~/.kube/config
  std::string context;  // --context; "" = current-context
};

// Reads a kubeconfig. Errors (Configuration) name the file, the context and what to do.
Result<ClientConfig> load_kubeconfig(const KubeconfigOptions& options);
// Parses kubeconfig text; `path` is for messages and for relative certificate paths.
Result<ClientConfig> parse_kubeconfig(const std::string& text, const std::string& path,
                                      const std::string& context);

struct InClusterPaths {
  std::string dir = "/var/run/secrets/kubernetes.io/serviceaccount";  // token, ca.crt, namespace
};
// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, the token (re-read on rotation), the
// CA and the namespace.
Result<ClientConfig> in_cluster_config(const InClusterPaths& paths = {});

// --kubeconfig if given, else $KUBECONFIG, else in-cluster when KUBERNETES_SERVICE_HOST is set,
// else ~/.kube/config.
Result<ClientConfig> load_client_config(const KubeconfigOptions& options);

}  // namespace veer::kube
