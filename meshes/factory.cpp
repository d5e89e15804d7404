#include <memory>

#include "meshes/apisix.hpp"
#include "meshes/contour.hpp"
#include "meshes/gateway_api.hpp"
#include "meshes/gloo.hpp"
#include "meshes/istio.hpp"
#include "meshes/knative.hpp"
#include "meshes/kubernetes.hpp"
#include "meshes/kuma.hpp"
#include "meshes/nginx.hpp"
#include "meshes/router.hpp"
#include "meshes/skipper.hpp"
#include "meshes/smi.hpp"
#include "meshes/traefik.hpp"

namespace veer::meshes {

namespace {

std::optional<SmiVersion> smi_version(const std::string& version) {
  if (version == "v1alpha1") return SmiVersion::v1alpha1;
  if (version == "v1alpha2") return SmiVersion::v1alpha2;
  if (version == "v1alpha3") return SmiVersion::v1alpha3;
  if (version == "v1alpha4") return SmiVersion::v1alpha4;
  return std::nullopt;
}

// "smi:<version>" or "smi:<version>:<mesh>" (Flagger's forms); nothing for other strings.
std::unique_ptr<Router> smi_router(const std::string& provider) {
  if (provider.rfind("smi:", 0) != 0) return nullptr;
  const auto rest = provider.substr(4);
  const auto colon = rest.find(':');
  auto version = smi_version(rest.substr(0, colon));
  if (!version) return nullptr;
  std::string mesh = colon == std::string::npos ? "" : rest.substr(colon + 1);
  if (colon != std::string::npos && mesh.empty()) return nullptr;
  return std::make_unique<SmiRouter>(provider, *version, mesh);
}

}  // namespace

std::vector<std::string> known_providers() {
  return {"istio",         "linkerd",      "smi",
          "smi:v1alpha1",  "smi:v1alpha2", "smi:v1alpha3",
          "smi:v1alpha4",  "gatewayapi",   "gatewayapi:v1beta1",
          "gatewayapi:v1", "nginx",        "kubernetes",
          "contour",       "gloo",         "traefik",
          "skipper",       "apisix",       "kuma",
          "knative"};
}

Expected<std::unique_ptr<Router>> make_router(const std::string& provider,
                                              const std::string& nginx_annotation_prefix) {
  std::unique_ptr<Router> router;
  if (provider == "istio") {
    router = std::make_unique<IstioRouter>();
  } else if (provider == "linkerd" || provider == "smi") {
    // Flagger's linkerd and plain smi providers write split.smi-spec.io/v1alpha1.
    router = std::make_unique<SmiRouter>(provider, SmiVersion::v1alpha1);
  } else if (auto smi = smi_router(provider)) {
    router = std::move(smi);
  } else if (provider == "gatewayapi" || provider == "gatewayapi:v1") {
    router = std::make_unique<GatewayApiRouter>(provider, "v1");
  } else if (provider == "gatewayapi:v1beta1") {
    router = std::make_unique<GatewayApiRouter>(provider, "v1beta1");
  } else if (provider == "nginx") {
    router = std::make_unique<NginxRouter>(nginx_annotation_prefix);
  } else if (provider == "kubernetes") {
    router = std::make_unique<KubernetesRouter>();
  } else if (provider == "contour") {
    router = std::make_unique<ContourRouter>();
  } else if (provider == "gloo") {
    router = std::make_unique<GlooRouter>();
  } else if (provider == "traefik") {
    router = std::make_unique<TraefikRouter>();
  } else if (provider == "skipper") {
    router = std::make_unique<SkipperRouter>();
  } else if (provider == "apisix") {
    router = std::make_unique<ApisixRouter>();
  } else if (provider == "kuma") {
    router = std::make_unique<KumaRouter>();
  } else if (provider == "knative") {
    router = std::make_unique<KnativeRouter>();
  } else {
    std::string known;
    for (const auto& name : known_providers()) known += (known.empty() ? "" : ", ") + name;
    return invalid("spec.provider: unknown provider \"" + provider + "\" (known: " + known +
                   ", and smi:<version>:<mesh>)");
  }
  return router;
}

}  // namespace veer::meshes
