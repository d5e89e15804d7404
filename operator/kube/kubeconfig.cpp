#include "operator/kube/kubeconfig.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/base64.hpp"
#include "http/printable.hpp"
#include "model/document.hpp"
#include "model/input_files.hpp"

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

// A scalar as kubectl reads it: `insecure-skip-tls-verify: true` and `namespace: 42` are text
// too. Mappings, sequences and nulls are "".
std::string scalar_text(const Json& node) {
  if (node.is_string()) return node.get<std::string>();
  if (node.is_boolean() || node.is_number()) return node.dump();
  return {};
}

std::string text(const Json& node, const char* key) {
  if (!node.is_object()) return {};
  auto found = node.find(key);
  return found == node.end() ? std::string() : scalar_text(*found);
}

// The `field` of the entry named `name` in a list like clusters: [{name, cluster: {...}}];
// nullptr when there is none.
const Json* named(const Json& root, const char* list, const std::string& name, const char* field) {
  auto entries = root.find(list);
  if (entries == root.end() || !entries->is_array()) return nullptr;
  for (const auto& entry : *entries) {
    if (!entry.is_object() || text(entry, "name") != name) continue;
    if (auto found = entry.find(field); found != entry.end() && !found->is_null()) return &*found;
  }
  return nullptr;
}

std::string resolve_path(const std::string& file, const std::string& kubeconfig) {
  if (file.empty() || file.front() == '/') return file;
  return (std::filesystem::path(kubeconfig).parent_path() / file).string();
}

// The first document of `content`, read with the limits of every YAML veer reads (size,
// nesting depth, alias budget, numbers in range): a hostile kubeconfig is an error naming the
// file and line, never a crash.
Result<Json> read_root(const std::string& content, const std::string& path) {
  const std::string not_kubeconfig =
      "kubeconfig " + path +
      " is not a kubeconfig (expected a mapping with clusters, users and contexts)";
  auto read = model::read_documents(content, path);
  if (!read.errors.empty()) {
    const auto& error = read.errors.front();
    // The reading layer's own words for this assume a Kubernetes object.
    if (error.message.rfind("document is not a mapping", 0) == 0)
      return config_error(not_kubeconfig);
    return config_error("kubeconfig " + path + " cannot be read" +
                        (error.line > 0 ? " (line " + std::to_string(error.line) + ")" : "") +
                        ": " + ::veer::http::printable(error.message));
  }
  if (read.documents.empty() || !read.documents.front().json.is_object())
    return config_error(not_kubeconfig);
  return std::move(read.documents.front().json);
}

// The context entry named `name` (the current-context when empty).
Result<const Json*> find_context(const Json& root, const std::string& path, std::string& name) {
  if (name.empty()) name = text(root, "current-context");
  if (name.empty())
    return config_error("kubeconfig " + path +
                        " has no current-context: pass --context NAME or run `kubectl config "
                        "use-context NAME`");
  if (const Json* context = named(root, "contexts", name, "context")) return context;
  std::string known;
  if (auto contexts = root.find("contexts"); contexts != root.end() && contexts->is_array())
    for (const auto& c : *contexts) known += (known.empty() ? "" : ", ") + text(c, "name");
  return config_error("kubeconfig " + path + " has no context \"" + name +
                      "\" (contexts: " + (known.empty() ? "none" : known) + ")");
}

// The server and how to trust it, from the cluster entry `name`.
std::optional<ApiError> read_cluster(const Json& root, const std::string& name,
                                     const std::string& path, ClientConfig& config) {
  const Json* found = named(root, "clusters", name, "cluster");
  if (!found) return config_error(config.origin + ": cluster \"" + name + "\" is not defined");
  const Json& cluster = *found;
  config.server = text(cluster, "server");
  if (config.server.empty())
    return config_error(config.origin + ": cluster \"" + name + "\" has no server");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0)
    return config_error(config.origin + ": server \"" + config.server +
                        "\" must start with https:// or http://");
  config.insecure_skip_tls_verify = text(cluster, "insecure-skip-tls-verify") == "true";
  config.tls_server_name = text(cluster, "tls-server-name");
  if (auto data = text(cluster, "certificate-authority-data"); !data.empty()) {
    auto decoded = base::decode_base64(data);
    if (!decoded)
      return config_error(config.origin + ": certificate-authority-data of cluster \"" + name +
                          "\" is not base64");
    config.ca_data = std::move(*decoded);
  }
  config.ca_file = resolve_path(text(cluster, "certificate-authority"), path);
  return std::nullopt;
}

std::optional<ApiError> read_exec_plugin(const Json& exec, const std::string& user_name,
                                         ClientConfig& config) {
  ExecPlugin plugin;
  plugin.command = text(exec, "command");
  plugin.api_version = text(exec, "apiVersion");
  if (auto args = exec.find("args"); args != exec.end() && args->is_array())
    for (const auto& a : *args) plugin.args.push_back(scalar_text(a));
  if (auto env = exec.find("env"); env != exec.end() && env->is_array())
    for (const auto& e : *env) plugin.env.emplace_back(text(e, "name"), text(e, "value"));
  if (plugin.command.empty())
    return config_error(config.origin + ": exec plugin of user \"" + user_name +
                        "\" has no command");
  config.exec = plugin;
  return std::nullopt;
}

// The credentials of the user entry `name` (none when the context names no user).
std::optional<ApiError> read_user(const Json& root, const std::string& name,
                                  const std::string& path, ClientConfig& config) {
  const Json* user = named(root, "users", name, "user");
  if (!user && !name.empty())
    return config_error(config.origin + ": user \"" + name + "\" is not defined");
  if (user && user->is_object()) {
    config.token = text(*user, "token");
    config.token_file = resolve_path(text(*user, "tokenFile"), path);
    for (auto [field, target] : {std::pair{"client-certificate-data", &config.client_cert_data},
                                 std::pair{"client-key-data", &config.client_key_data}}) {
      if (auto data = text(*user, field); !data.empty()) {
        auto decoded = base::decode_base64(data);
        if (!decoded)
          return config_error(config.origin + ": " + field + " of user \"" + name +
                              "\" is not base64");
        *target = std::move(*decoded);
      }
    }
    config.client_cert_file = resolve_path(text(*user, "client-certificate"), path);
    config.client_key_file = resolve_path(text(*user, "client-key"), path);
    if (auto exec = user->find("exec"); exec != user->end() && exec->is_object()) {
      if (auto error = read_exec_plugin(*exec, name, config)) return error;
    }
    if (user->contains("auth-provider"))
      return config_error(config.origin + ": user \"" + name +
                          "\" uses an auth-provider, which veer does not support: use a token, "
                          "a client certificate or an exec plugin");
  }
  const bool has_cert = !config.client_cert_data.empty() || !config.client_cert_file.empty();
  const bool has_key = !config.client_key_data.empty() || !config.client_key_file.empty();
  if (has_cert != has_key)
    return config_error(config.origin + ": user \"" + name +
                        "\" has a client certificate without its key (or a key without its "
                        "certificate)");
  return std::nullopt;
}

}  // namespace

Result<ClientConfig> parse_kubeconfig(const std::string& content, const std::string& path,
                                      const std::string& wanted_context) {
  auto read = read_root(content, path);
  if (!read) return read.error();
  const Json& root = *read;
  std::string context_name = wanted_context;
  auto context = find_context(root, path, context_name);
  if (!context) return context.error();
  ClientConfig config;
  config.origin = "kubeconfig " + path + ", context " + context_name;
  if (auto error = read_cluster(root, text(**context, "cluster"), path, config)) return *error;
  if (std::string ns = text(**context, "namespace"); !ns.empty()) config.ns = ns;
  if (auto error = read_user(root, text(**context, "user"), path, config)) return *error;
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
  auto file = model::read_bounded_file(path);
  if (!file.error.empty())
    return config_error("cannot read kubeconfig " + path + " (" + file.error +
                        "): pass --kubeconfig FILE or set KUBECONFIG");
  return parse_kubeconfig(file.text, path, options.context);
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
