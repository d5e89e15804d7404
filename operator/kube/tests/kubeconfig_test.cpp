#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "operator/kube/kubeconfig.hpp"

using namespace veer::kube;

namespace {

const char* kGood = R"(apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: dev
  cluster:
    server: https://127.0.0.1:8443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: s3cret
- name: robot
  user:
    tokenFile: robot.token
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: get-token
      args: [--cluster, prod]
      env: [{name: REGION, value: eu}]
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: shop}
- name: dev
  context: {cluster: dev, user: robot}
- name: exec
  context: {cluster: prod, user: plugin}
current-context: prod
)";

std::string error_of(const Result<ClientConfig>& r) {
  return r.ok() ? "" : r.error().message;
}

}  // namespace

TEST_CASE("a kubeconfig's current context gives server, CA, token and namespace") {
  auto config = parse_kubeconfig(kGood, "/home/me/.kube/config", "");
  REQUIRE_MESSAGE(config.ok(), error_of(config));
  CHECK(config->server == "https://10.0.0.1:6443");
  CHECK(config->ca_data == "-----BEGIN");
  CHECK(config->token == "s3cret");
  CHECK(config->ns == "shop");
  CHECK(config->origin == "kubeconfig /home/me/.kube/config, context prod");
}

TEST_CASE("--context picks another context, relative token files resolve next to the file") {
  auto dev = parse_kubeconfig(kGood, "/home/me/.kube/config", "dev");
  REQUIRE(dev.ok());
  CHECK(dev->insecure_skip_tls_verify);
  CHECK(dev->token_file == "/home/me/.kube/robot.token");
  CHECK(dev->ns == "default");
  auto exec = parse_kubeconfig(kGood, "/k", "exec");
  REQUIRE(exec.ok());
  REQUIRE(exec->exec.has_value());
  CHECK(exec->exec->command == "get-token");
  CHECK(exec->exec->args == std::vector<std::string>{"--cluster", "prod"});
  CHECK(exec->exec->env.at(0) == std::pair<std::string, std::string>{"REGION", "eu"});
}

TEST_CASE("a missing context names the file, the context and the ones that exist") {
  auto config = parse_kubeconfig(kGood, "/etc/kc.yaml", "staging");
  REQUIRE(config.is(ErrorType::Configuration));
  CHECK(error_of(config).find("/etc/kc.yaml") != std::string::npos);
  CHECK(error_of(config).find("\"staging\"") != std::string::npos);
  CHECK(error_of(config).find("prod, dev, exec") != std::string::npos);
}

TEST_CASE("malformed kubeconfigs give one clear error each") {
  CHECK(error_of(parse_kubeconfig("clusters: [\n  - name: x\n bad", "/kc", ""))
            .find("kubeconfig /kc cannot be read (line 2): YAML syntax error") !=
        std::string::npos);
  CHECK(error_of(parse_kubeconfig("just text", "/kc", "")).find("is not a kubeconfig") !=
        std::string::npos);
  CHECK(error_of(parse_kubeconfig("contexts: []\n", "/kc", "")).find("no current-context") !=
        std::string::npos);
  std::string no_server = R"(clusters: [{name: c, cluster: {}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x)";
  CHECK(error_of(parse_kubeconfig(no_server, "/kc", "")).find("has no server") !=
        std::string::npos);
  std::string bad_ca =
      R"(clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "@@@"}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x)";
  CHECK(error_of(parse_kubeconfig(bad_ca, "/kc", "")).find("not base64") != std::string::npos);
  std::string half_cert = R"(clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate: /tmp/c.pem}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x)";
  CHECK(error_of(parse_kubeconfig(half_cert, "/kc", "")).find("without its key") !=
        std::string::npos);
}

TEST_CASE("hostile kubeconfigs are refused with the limits of every YAML veer reads") {
  // Each of these once threw out of parse_kubeconfig (a non-string name, a scalar list entry) or
  // would exhaust memory or the stack (an alias bomb, a self-referencing alias).
  const std::string tail = "\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n";
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  for (const std::string& text : {bomb + tail, "clusters: &x [*x]" + tail,
                                  "clusters: [{name: c, cluster: {server: 1e400}}]" + tail,
                                  std::string(200, '[') + std::string(200, ']')}) {
    auto config = parse_kubeconfig(text, "/kc", "");
    REQUIRE(config.is(ErrorType::Configuration));
    CHECK(error_of(config).find("kubeconfig /kc cannot be read") == 0);
  }
  for (const char* odd :
       {"clusters: [{name: {a: 1}, cluster: {server: https://h}}]", "clusters: [plain, 42, [1]]"}) {
    auto config = parse_kubeconfig(std::string(odd) + tail, "/kc", "");
    REQUIRE(config.is(ErrorType::Configuration));
    CHECK(error_of(config).find("cluster \"c\" is not defined") != std::string::npos);
  }
  // Scalars of any type read as text, as kubectl does; an exec argument that is a mapping is "".
  auto typed = parse_kubeconfig(R"(clusters: [{name: c, cluster: {server: "https://h",
  insecure-skip-tls-verify: true}}]
users: [{name: u, user: {exec: {command: tok, args: [1, true, {a: b}]}}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: 42}}]
current-context: x)",
                                "/kc", "");
  REQUIRE_MESSAGE(typed.ok(), error_of(typed));
  CHECK(typed->insecure_skip_tls_verify);
  CHECK(typed->ns == "42");
  REQUIRE(typed->exec);
  CHECK(typed->exec->args == std::vector<std::string>{"1", "true", ""});
}

TEST_CASE("a kubeconfig larger than the read limit is refused with its size") {
  char path[] = "/tmp/veer-kubeconfig-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::filesystem::resize_file(path, (std::uintmax_t{64} << 20) + 1);
  auto config = load_kubeconfig(KubeconfigOptions{path, ""});
  std::filesystem::remove(path);
  REQUIRE(config.is(ErrorType::Configuration));
  CHECK(error_of(config).find(path) != std::string::npos);
  CHECK(error_of(config).find("67108865 bytes") != std::string::npos);
}

TEST_CASE("an unreadable kubeconfig says how to point at one") {
  auto config = load_kubeconfig(KubeconfigOptions{"/nonexistent/kubeconfig", ""});
  REQUIRE(config.is(ErrorType::Configuration));
  CHECK(error_of(config).find("/nonexistent/kubeconfig") != std::string::npos);
  CHECK(error_of(config).find("--kubeconfig") != std::string::npos);
}

TEST_CASE("in-cluster configuration reads the service-account files and the service env") {
  auto dir = std::filesystem::temp_directory_path() / ("veer-sa-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "pod-token\n";
  std::ofstream(dir / "namespace") << "veer-system";
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = in_cluster_config(InClusterPaths{dir.string()});
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  REQUIRE_MESSAGE(config.ok(), error_of(config));
  CHECK(config->server == "https://10.96.0.1:443");
  CHECK(config->token_file == (dir / "token").string());
  CHECK(config->ca_file == (dir / "ca.crt").string());
  CHECK(config->ns == "veer-system");
  CHECK(in_cluster_config(InClusterPaths{dir.string()}).is(ErrorType::Configuration));
  std::filesystem::remove_all(dir);
}
