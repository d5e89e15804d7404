#include <memory>

#include "meshes/gateway_api.hpp"
#include "meshes/istio.hpp"
#include "meshes/kubernetes.hpp"
#include "meshes/nginx.hpp"
#include "meshes/router.hpp"
#include "meshes/smi.hpp"

namespace veer::meshes {

std::vector<std::string> known_providers() {
  return {"istio",        "linkerd",      "smi",        "smi:v1alpha1",       "smi:v1alpha2",
          "smi:v1alpha3", "smi:v1alpha4", "gatewayapi", "gatewayapi:v1beta1", "gatewayapi:v1",
          "nginx",        "kubernetes"};
}

Expected<std::unique_ptr<Router>> make_router(const std::string& provider,
                                              const std::string& nginx_annotation_prefix) {
  std::unique_ptr<Router> router;
  if (provider == "istio") {
    router = std::make_unique<IstioRouter>();
  } else if (provider == "linkerd" || provider == "smi" || provider == "smi:v1alpha1") {
    // Flagger's linkerd and plain smi providers write split.smi-spec.io/v1alpha1.
    router = std::make_unique<SmiRouter>(provider, SmiVersion::v1alpha1);
  } else if (provider == "smi:v1alpha2") {
    router = std::make_unique<SmiRouter>(provider, SmiVersion::v1alpha2);
  } else if (provider == "smi:v1alpha3") {
    router = std::make_unique<SmiRouter>(provider, SmiVersion::v1alpha3);
  } else if (provider == "smi:v1alpha4") {
    router = std::make_unique<SmiRouter>(provider, SmiVersion::v1alpha4);
  } else if (provider == "gatewayapi" || provider == "gatewayapi:v1") {
    router = std::make_unique<GatewayApiRouter>(provider, "v1");
  } else if (provider == "gatewayapi:v1beta1") {
    router = std::make_unique<GatewayApiRouter>(provider, "v1beta1");
  } else if (provider == "nginx") {
    router = std::make_unique<NginxRouter>(nginx_annotation_prefix);
  } else if (provider == "kubernetes") {
    router = std::make_unique<KubernetesRouter>();
  } else {
    std::string known;
    for (const auto& name : known_providers()) known += (known.empty() ? "" : ", ") + name;
    return invalid("spec.provider: unknown provider \"" + provider + "\" (known: " + known + ")");
  }
  return router;
}

}  // namespace veer::meshes
