#include "operator/cli/demo_routing.hpp"

#include "meshes/router.hpp"
#include "model/mesh_providers.hpp"
#include "operator/controller/simulation.hpp"

namespace veer::cli {

using nlohmann::json;
namespace sim = controller::simulation;

namespace {

constexpr int kPort = 9898;
constexpr const char* kHost = "app.example.com";

// The user's Ingress sending / to the apex Service `app` (nginx and skipper copy it).
json ingress(const std::string& ns, const std::string& app) {
  const json path = {{"path", "/"},
                     {"pathType", "Prefix"},
                     {"backend", {{"service", {{"name", app}, {"port", {{"number", kPort}}}}}}}};
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", app}, {"namespace", ns}}},
          {"spec", {{"rules", json::array({{{"host", kHost}, {"http", {{"paths", {path}}}}}})}}}};
}

// The user's ApisixRoute with one rule to the apex Service `app` (apisix splits that rule).
json apisix_route(const std::string& ns, const std::string& app) {
  const json rule = {{"name", "main"},
                     {"match", {{"hosts", {kHost}}, {"paths", {"/*"}}}},
                     {"backends", {{{"serviceName", app}, {"servicePort", kPort}}}}};
  return {{"apiVersion", "apisix.apache.org/v2"},
          {"kind", "ApisixRoute"},
          {"metadata", {{"name", app}, {"namespace", ns}}},
          {"spec", {{"http", {rule}}}}};
}

// A Knative Service `app`: Knative makes its revisions, and the knative router splits between them.
json knative_service(const std::string& ns, const std::string& app, const std::string& image) {
  const json container = {{"name", "app"}, {"image", image}};
  return {
      {"apiVersion", "serving.knative.dev/v1"},
      {"kind", "Service"},
      {"metadata", {{"name", app}, {"namespace", ns}}},
      {"spec",
       {{"template",
         {{"metadata", {{"labels", {{"app", app}}}}}, {"spec", {{"containers", {container}}}}}}}}};
}

}  // namespace

std::vector<std::string> demo_providers() {
  return meshes::known_providers();
}

DemoApp demo_app(const std::string& ns, const std::string& app, const std::string& image,
                 const std::string& provider, json canary) {
  DemoApp out;
  out.target = sim::deployment(ns, app, image);
  const json ref = {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", app}};
  if (model::is_gateway_api_provider(provider)) {
    canary["spec"]["service"]["gatewayRefs"] =
        json::array({{{"name", "gateway"}, {"namespace", ns}}});
  } else if (provider == "nginx" || provider == "skipper") {
    canary["spec"]["ingressRef"] = ref;
    out.routing.push_back(ingress(ns, app));
  } else if (provider == "apisix") {
    canary["spec"]["routeRef"] = {
        {"apiVersion", "apisix.apache.org/v2"}, {"kind", "ApisixRoute"}, {"name", app}};
    out.routing.push_back(apisix_route(ns, app));
  } else if (provider == "knative") {
    // No Services of veer's own: the Knative Service's revisions are the primary and the canary.
    out.target = knative_service(ns, app, image);
    canary["spec"]["targetRef"] = {
        {"apiVersion", "serving.knative.dev/v1"}, {"kind", "Service"}, {"name", app}};
    canary["spec"].erase("service");
  }
  out.canary = std::move(canary);
  return out;
}

bool demo_splits_traffic(const std::string& provider) {
  return provider != "kubernetes";
}

}  // namespace veer::cli
