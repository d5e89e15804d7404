#include "operator/kube/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace veer::kube {
namespace {

ApiError config_error(const std::string& message) {
  return ApiError{ErrorType::Configuration, 0, "Configuration", message};
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string base64_decode(const std::string& text, bool& ok) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -8;
  ok = true;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    auto pos = chars.find(c);
    if (pos == std::string::npos) {
      ok = false;
      return {};
    }
    value = (value << 6) + static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// Finds the entry named `name` in a list like clusters: [{name, cluster: {...}}].
YAML::Node named(const YAML::Node& list, const std::string& name, const char* field) {
  // A default YAML::Node is a defined null; callers test IsNull().
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& entry : list)
    if (entry["name"] && entry["name"].as<std::string>() == name && entry[field])
      return entry[field];
  return YAML::Node();
}

std::string text(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap() || !node[key] || !node[key].IsScalar()) return {};
  return node[key].as<std::string>();
}

std::string resolve_path(const std::string& file, const std::string& kubeconfig) {
  if (file.empty() || file.front() == '/') return file;
  return (std::filesystem::path(kubeconfig).parent_path() / file).string();
}

}  // namespace

Result<ClientConfig> parse_kubeconfig(const std::string& content, const std::string& path,
                                      const std::string& wanted_context) {
  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    return config_error("kubeconfig " + path + " is not valid YAML (line " +
                        std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
  if (!root || !root.IsMap())
    return config_error("kubeconfig " + path +
                        " is not a kubeconfig (expected a mapping with clusters, users and "
                        "contexts)");
  std::string context_name =
      wanted_context.empty() ? text(root, "current-context") : wanted_context;
  if (context_name.empty())
    return config_error("kubeconfig " + path +
                        " has no current-context: pass --context NAME or run `kubectl config "
                        "use-context NAME`");
  YAML::Node context = named(root["contexts"], context_name, "context");
  if (context.IsNull()) {
    std::string known;
    if (root["contexts"] && root["contexts"].IsSequence())
      for (const auto& c : root["contexts"]) known += (known.empty() ? "" : ", ") + text(c, "name");
    return config_error("kubeconfig " + path + " has no context \"" + context_name +
                        "\" (contexts: " + (known.empty() ? "none" : known) + ")");
  }
  ClientConfig config;
  config.origin = "kubeconfig " + path + ", context " + context_name;
  std::string cluster_name = text(context, "cluster");
  YAML::Node cluster = named(root["clusters"], cluster_name, "cluster");
  if (cluster.IsNull())
    return config_error(config.origin + ": cluster \"" + cluster_name + "\" is not defined");
  config.server = text(cluster, "server");
  if (config.server.empty())
    return config_error(config.origin + ": cluster \"" + cluster_name + "\" has no server");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0)
    return config_error(config.origin + ": server \"" + config.server +
                        "\" must start with https:// or http://");
  std::string ns = text(context, "namespace");
  if (!ns.empty()) config.ns = ns;
  config.insecure_skip_tls_verify = text(cluster, "insecure-skip-tls-verify") == "true";
  config.tls_server_name = text(cluster, "tls-server-name");
  bool ok = true;
  if (auto data = text(cluster, "certificate-authority-data"); !data.empty()) {
    config.ca_data = base64_decode(data, ok);
    if (!ok)
      return config_error(config.origin + ": certificate-authority-data of cluster \"" +
                          cluster_name + "\" is not base64");
  }
  config.ca_file = resolve_path(text(cluster, "certificate-authority"), path);

  std::string user_name = text(context, "user");
  YAML::Node user = named(root["users"], user_name, "user");
  if (user.IsNull() && !user_name.empty())
    return config_error(config.origin + ": user \"" + user_name + "\" is not defined");
  if (!user.IsNull()) {
    config.token = text(user, "token");
    config.token_file = resolve_path(text(user, "tokenFile"), path);
    for (auto [field, target] : {std::pair{"client-certificate-data", &config.client_cert_data},
                                 std::pair{"client-key-data", &config.client_key_data}}) {
      if (auto data = text(user, field); !data.empty()) {
        *target = base64_decode(data, ok);
        if (!ok)
          return config_error(config.origin + ": " + field + " of user \"" + user_name +
                              "\" is not base64");
      }
    }
    config.client_cert_file = resolve_path(text(user, "client-certificate"), path);
    config.client_key_file = resolve_path(text(user, "client-key"), path);
    if (YAML::Node exec = user["exec"]; exec && exec.IsMap()) {
      ExecPlugin plugin;
      plugin.command = text(exec, "command");
      plugin.api_version = text(exec, "apiVersion");
      if (exec["args"] && exec["args"].IsSequence())
        for (const auto& a : exec["args"]) plugin.args.push_back(a.as<std::string>());
      if (exec["env"] && exec["env"].IsSequence())
        for (const auto& e : exec["env"])
          plugin.env.emplace_back(text(e, "name"), text(e, "value"));
      if (plugin.command.empty())
        return config_error(config.origin + ": exec plugin of user \"" + user_name +
                            "\" has no command");
      config.exec = plugin;
    }
    if (user["auth-provider"])
      return config_error(config.origin + ": user \"" + user_name +
                          "\" uses an auth-provider, which veer does not support: use a token, "
                          "a client certificate or an exec plugin");
  }
  bool has_cert = !config.client_cert_data.empty() || !config.client_cert_file.empty();
  bool has_key = !config.client_key_data.empty() || !config.client_key_file.empty();
  if (has_cert != has_key)
    return config_error(config.origin + ": user \"" + user_name +
                        "\" has a client certificate without its key (or a key without its "
                        "certificate)");
  return config;
}

Result<ClientConfig> load_kubeconfig(const KubeconfigOptions& options) {
  std::string path = options.path;
  if (path.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
      // A list: the first file that exists (veer does not merge kubeconfigs).
      std::stringstream list(env);
      std::string item;
      while (std::getline(list, item, ':'))
        if (!item.empty() && std::filesystem::exists(item)) {
          path = item;
          break;
        }
      if (path.empty())
        return config_error(std::string("no file of KUBECONFIG=") + env + " exists");
    } else if (const char* home = std::getenv("HOME")) {
      path = std::string(home) + "/.kube/config";
    }
  }
  auto content = read_file(path);
  if (!content)
    return config_error("cannot read kubeconfig " + path +
                        ": pass --kubeconfig FILE or set KUBECONFIG");
  return parse_kubeconfig(*content, path, options.context);
}

Result<ClientConfig> in_cluster_config(const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    return config_error(
        "not running in a pod (KUBERNETES_SERVICE_HOST/PORT unset): pass --kubeconfig FILE");
  ClientConfig config;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  config.server = "https://" + h + ":" + port;
  config.origin = "in-cluster service account (" + paths.dir + ")";
  config.token_file = paths.dir + "/token";
  config.ca_file = paths.dir + "/ca.crt";
  if (!read_file(config.token_file))
    return config_error("cannot read the service-account token " + config.token_file +
                        ": is automountServiceAccountToken off?");
  if (auto ns = read_file(paths.dir + "/namespace")) {
    while (!ns->empty() && (ns->back() == '\n' || ns->back() == ' ')) ns->pop_back();
    if (!ns->empty()) config.ns = *ns;
  }
  return config;
}

Result<ClientConfig> load_client_config(const KubeconfigOptions& options) {
  const char* env = std::getenv("KUBECONFIG");
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (options.path.empty() && (!env || !*env) && host && *host) return in_cluster_config();
  return load_kubeconfig(options);
}

}  // namespace veer::kube
