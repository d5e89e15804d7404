// Which traffic provider a Canary without spec.provider is validated for. In the cluster it is
// the operator's --mesh-provider; in CI `veer validate --mesh-provider` says the same, and
// without it the provider is inferred from the fields the document uses (and reported as a note,
// never guessed silently).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/document.hpp"

namespace veer::model {

// Ingress class by "namespace/name" (and by "name" for Ingresses without a namespace), from
// spec.ingressClassName or the kubernetes.io/ingress.class annotation of Ingress documents.
using IngressClasses = std::map<std::string, std::string>;
IngressClasses ingress_classes(const std::vector<Document>& documents);

struct ProviderGuess {
  std::string provider;  // what the Canary is validated for
  std::string because;   // the field that decided: "spec.service.gatewayRefs is set", ...
};

// The provider a Canary document without spec.provider is most likely written for:
// a Knative targetRef -> knative, gatewayRefs -> gatewayapi:v1, routeRef -> apisix,
// upstreamRef -> gloo, ingressRef -> skipper when its Ingress has class skipper, else nginx;
// Istio-only fields or features the kubernetes provider lacks (match, mirror, session
// affinity) -> istio; otherwise `fallback`.
ProviderGuess infer_provider(const nlohmann::json& canary, const std::string& fallback,
                             const IngressClasses& classes = {});

}  // namespace veer::model
