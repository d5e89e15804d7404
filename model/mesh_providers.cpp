#include "model/mesh_providers.hpp"

#include <algorithm>

#include "model/canary.hpp"

namespace veer::model {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

bool is_gateway_api_provider(const std::string& provider) {
  return provider == "gatewayapi" || starts_with(provider, "gatewayapi:");
}

bool is_smi_provider(const std::string& provider) {
  return provider == "linkerd" || provider == "smi" || starts_with(provider, "smi:");
}

bool is_appmesh_provider(const std::string& provider) {
  return provider == "appmesh" || starts_with(provider, "appmesh:");
}

bool is_known_provider(const std::string& provider) {
  const auto& known = known_providers();
  if (std::find(known.begin(), known.end(), provider) != known.end()) return true;
  for (const char* version : {"smi:v1alpha1:", "smi:v1alpha2:", "smi:v1alpha3:", "smi:v1alpha4:"})
    if (starts_with(provider, version) && provider.size() > std::string(version).size())
      return true;
  return false;
}

std::string discontinued_provider(const std::string& provider) {
  if (is_appmesh_provider(provider))
    return "AWS App Mesh is discontinued upstream (AWS ends its support), so veer has no router "
           "for it";
  if (provider == "osm")
    return "Open Service Mesh is archived upstream (no releases since 2023), so veer has no "
           "router for it";
  return "";
}

std::string router_gap(const std::string& provider) {
  if (auto why = discontinued_provider(provider); !why.empty())
    return "provider " + provider + ": " + why;
  if (!provider_supported_by_veer(provider))
    return "provider " + provider +
           ": no router yet in veer (it routes through istio, linkerd, gatewayapi, nginx and "
           "kubernetes); set another provider";
  return "";
}

std::string known_providers_text() {
  std::string out;
  for (const auto& p : known_providers()) out += (out.empty() ? "" : ", ") + p;
  return out + ", smi:<version>:<mesh>";
}

bool experiment_splits_two_versions_only(const std::string& provider) {
  return (is_smi_provider(provider) && is_known_provider(provider)) || provider == "nginx";
}

std::string experiment_provider_gap(const std::string& provider) {
  const std::string usable =
      "an Experiment can use istio or gatewayapi (gatewayapi:v1, gatewayapi:v1beta1), which "
      "weight any number of versions, or smi (smi:<version>, linkerd) and nginx, which route a "
      "baseline and one candidate";
  if (provider.empty() || provider == "istio" || provider == "gatewayapi:v1" ||
      provider == "gatewayapi:v1beta1" || provider == "gatewayapi" ||
      experiment_splits_two_versions_only(provider))
    return "";
  if (provider == "kubernetes")
    return "experiments split traffic, which the kubernetes provider cannot do: " + usable;
  if (!is_known_provider(provider)) return "unsupported provider \"" + provider + "\": " + usable;
  return "provider " + provider + " has no Experiment router yet: " + usable;
}

}  // namespace veer::model
