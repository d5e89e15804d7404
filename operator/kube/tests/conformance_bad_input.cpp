// Bad credentials and TLS mismatches against the real kube-apiserver: each gives one error that
// names the URL and the kubeconfig and says what to check. Runs only with VEER_TEST_KUBECONFIG.
#include <doctest/doctest.h>

#include <cstdlib>

#include "operator/kube/kubeconfig.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "testing/skip.hpp"

using namespace veer::kube;

namespace {

std::optional<ClientConfig> real_config() {
  const char* path = std::getenv("VEER_TEST_KUBECONFIG");
  if (path == nullptr || *path == '\0') {
    veer::testing::skip_test("VEER_TEST_KUBECONFIG is not set: needs a real kube-apiserver");
    return std::nullopt;
  }
  auto config = load_kubeconfig(KubeconfigOptions{path, ""});
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  return *config;
}

ApiError check_fails(const ClientConfig& config) {
  veer::base::RealClock clock;
  RestCluster cluster(config, clock);
  auto version = cluster.check();
  REQUIRE_FALSE(version.ok());
  CHECK(version.error().message.find(config.server) != std::string::npos);
  CHECK(version.error().message.find(config.origin) != std::string::npos);
  return version.error();
}

}  // namespace

TEST_CASE("the real server answers /version with the kubeconfig as written") {
  auto config = real_config();
  if (!config) return;
  veer::base::RealClock clock;
  RestCluster cluster(*config, clock);
  auto version = cluster.check();
  REQUIRE_MESSAGE(version.ok(), (version.ok() ? "" : version.error().message));
  CHECK(version->value("gitVersion", "").rfind("v", 0) == 0);
}

TEST_CASE("a wrong token is Unauthorized and says to check the credentials") {
  auto config = real_config();
  if (!config) return;
  config->token = "not-the-token";
  auto error = check_fails(*config);
  CHECK(error.is(ErrorType::Unauthorized));
  CHECK(error.message.find("token or client certificate was rejected") != std::string::npos);
}

TEST_CASE("a CA that did not sign the server's certificate is a clear TLS error") {
  auto config = real_config();
  if (!config) return;
  config->ca_data.clear();
  config->ca_file = "/etc/ssl/certs/ca-certificates.crt";  // public CAs only
  auto error = check_fails(*config);
  CHECK(error.is(ErrorType::Transport));
  CHECK(error.message.find("certificate-authority") != std::string::npos);
}

TEST_CASE("a server name the certificate is not for is a clear TLS error") {
  auto config = real_config();
  if (!config) return;
  config->tls_server_name = "not-this-server.example";
  auto error = check_fails(*config);
  CHECK(error.is(ErrorType::Transport));
  CHECK(error.message.find("not for this host name") != std::string::npos);
}

TEST_CASE("a missing CRD is NotFound and says to install it") {
  auto config = real_config();
  if (!config) return;
  veer::base::RealClock clock;
  RestCluster cluster(*config, clock);
  // A group no test installs: other suites share this server and install router CRDs.
  auto got = cluster.get(
      ObjectRef{ResourceType{"never-installed.veer.dev", "v1", "", "NoSuchKind"}, "default", "x"});
  REQUIRE(got.is(ErrorType::NotFound));
  CHECK(got.error().message.find("CustomResourceDefinition") != std::string::npos);
}
