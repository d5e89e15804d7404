// The validating admission webhook on a real kube-apiserver (VEER_TEST_KUBECONFIG, label e2e):
// `veer operator --admission-listen` runs as its own process with a certificate from a CA made
// in the test; a ValidatingWebhookConfiguration (scoped to this test's namespace by a label, so
// parallel tests never meet it) sends it the Canaries written. `kubectl apply` of a Canary that
// `veer validate` refuses fails at once with the field path; a valid one is created; a
// metadata-only update of it passes.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e/controller/tests/support/e2e_cluster.hpp"
#include "e2e/controller/tests/support/operator_process.hpp"
#include "operator/controller/simulation.hpp"
#include "testing/test_certificates.hpp"
#include "testing/text.hpp"

using namespace veer;
using namespace veer::e2e;
using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += table[(n >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += {table[(n >> 18) & 63], table[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {table[(n >> 18) & 63], table[(n >> 12) & 63], table[(n >> 6) & 63], '='};
  }
  return out;
}

using veer::testing::contains;

json broken_canary(const std::string& ns, const std::string& name) {
  auto c = controller::simulation::canary(ns, name, "istio");
  c["spec"]["analysis"]["metrics"][0]["thresholdRange"] = {{"min", 99}, {"max", 10}};
  return c;
}

// `kubectl apply -f` of `object`, written to a file as a user would.
CommandResult apply(E2eCluster& cluster, const json& object, const std::string& dir) {
  const auto path = dir + "/" + object["metadata"]["name"].get<std::string>() + ".json";
  std::ofstream(path) << object.dump(2);
  return cluster.kubectl({"apply", "-f", path});
}

}  // namespace

TEST_CASE("the admission webhook on a real API server: kubectl apply of a broken Canary fails") {
  auto cluster = E2eCluster::from_environment();  // unset: skipped; unreachable: fails
  if (!cluster) return;
  REQUIRE(cluster->install_crds().empty());
  const auto ns = unique_name("veer-e2e-admission");
  REQUIRE(cluster->create_namespace(ns).empty());
  auto labelled = cluster->kubectl({"label", "namespace", ns, "veer-e2e-admission=" + ns});
  REQUIRE_MESSAGE(labelled.status == 0, labelled.out);

  testing::TestCertificates certificates;
  std::string why;
  const auto kubeconfig = cluster->operator_kubeconfig(unique_name("veer-admission"), why);
  REQUIRE_MESSAGE(!kubeconfig.empty(), why);
  OperatorOptions options;
  options.kubeconfig = kubeconfig;
  options.ns = ns;
  options.mesh_provider = "istio";
  options.metrics_server = "http://127.0.0.1:9";  // no rollout runs here
  options.log_path = cluster->state_dir() + "/" + ns + "-operator.log";
  options.extra_args = {"--admission-listen",   "127.0.0.1:0",
                        "--admission-tls-cert", certificates.server_cert_file,
                        "--admission-tls-key",  certificates.server_key_file};
  OperatorProcess veer_operator(options);
  REQUIRE_MESSAGE(veer_operator.start().empty(), veer_operator.log_tail());
  std::smatch found;
  const auto log = veer_operator.log();
  REQUIRE_MESSAGE(
      std::regex_search(log, found,
                        std::regex(R"(admission webhook listening on 127\.0\.0\.1:(\d+))")),
      log);
  const auto url = "https://127.0.0.1:" + found[1].str() + "/validate";

  const auto webhook_name = ns + ".validate.veer.dev";
  json configuration = {
      {"apiVersion", "admissionregistration.k8s.io/v1"},
      {"kind", "ValidatingWebhookConfiguration"},
      {"metadata", {{"name", ns}}},
      {"webhooks",
       json::array(
           {{{"name", webhook_name},
             {"clientConfig",
              {{"url", url}, {"caBundle", base64(read_file(certificates.ca_file))}}},
             {"rules",
              json::array(
                  {{{"apiGroups", {"veer.dev"}},
                    {"apiVersions", {"*"}},
                    {"operations", {"CREATE", "UPDATE"}},
                    {"resources", {"canaries", "metrictemplates", "alertproviders", "experiments"}},
                    {"scope", "Namespaced"}}})},
             {"namespaceSelector", {{"matchLabels", {{"veer-e2e-admission", ns}}}}},
             {"failurePolicy", "Fail"},
             {"sideEffects", "None"},
             {"timeoutSeconds", 10},
             {"admissionReviewVersions", {"v1"}}}})}};
  REQUIRE(cluster->api().create(configuration).ok());

  // The API server picks the configuration up within moments: until the broken Canary is
  // refused, each one that got through is deleted and the apply tried again.
  const auto dir = cluster->state_dir();
  CommandResult refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int attempt = 0; std::chrono::steady_clock::now() < deadline; ++attempt) {
    refused = apply(*cluster, broken_canary(ns, "broken"), dir);
    if (refused.status != 0) break;
    cluster->kubectl({"delete", "canary", "broken", "-n", ns, "--wait=false"});
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  CHECK(refused.status != 0);
  CHECK_MESSAGE(contains(refused.out, "admission webhook \"" + webhook_name + "\" denied"),
                refused.out);
  CHECK_MESSAGE(contains(refused.out, "Canary " + ns + "/broken is invalid (veer validate)"),
                refused.out);
  CHECK_MESSAGE(contains(refused.out, "spec.analysis.metrics[0].thresholdRange: min"), refused.out);

  // A valid Canary is created, and a metadata-only change of it (what `veer promote` makes)
  // passes the webhook too.
  auto good = controller::simulation::canary(ns, "good", "istio");
  auto created = apply(*cluster, good, dir);
  CHECK_MESSAGE(created.status == 0, created.out);
  auto annotated =
      cluster->kubectl({"annotate", "canary", "good", "-n", ns, "example.com/owner=shop"});
  CHECK_MESSAGE(annotated.status == 0, annotated.out);

  // The configuration goes first: with failurePolicy Fail, a webhook whose server is gone would
  // refuse every Canary write in the namespace.
  cluster->api().remove(
      {kube::type_of("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), "", ns});
  CHECK(veer_operator.terminate() == "exited with 0");
  cluster->delete_namespace(ns);
}
