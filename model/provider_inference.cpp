#include "model/provider_inference.hpp"

#include "model/json_lookup.hpp"

namespace veer::model {

namespace {

using nlohmann::json;

bool non_empty(const json* v) {
  return v && !(v->is_array() && v->empty()) && !(v->is_object() && v->empty());
}

}  // namespace

IngressClasses ingress_classes(const std::vector<Document>& documents) {
  IngressClasses out;
  for (const auto& d : documents) {
    if (d.kind != "Ingress") continue;
    std::string cls = json_text_at(d.json, {"spec", "ingressClassName"});
    if (cls.empty()) {
      const auto* annotations = json_at(d.json, {"metadata", "annotations"});
      if (annotations && annotations->is_object())
        if (auto it = annotations->find("kubernetes.io/ingress.class");
            it != annotations->end() && it->is_string())
          cls = it->get<std::string>();
    }
    std::string name = json_text_at(d.json, {"metadata", "name"});
    std::string ns = json_text_at(d.json, {"metadata", "namespace"});
    if (!name.empty()) out[ns.empty() ? name : ns + "/" + name] = cls;
  }
  return out;
}

ProviderGuess infer_provider(const json& canary, const std::string& fallback,
                             const IngressClasses& classes) {
  if (json_text_at(canary, {"spec", "targetRef", "apiVersion"}).rfind("serving.knative.dev/", 0) ==
      0)
    return {"knative", "spec.targetRef is a Knative Service"};
  if (non_empty(json_at(canary, {"spec", "service", "gatewayRefs"})))
    return {"gatewayapi:v1", "spec.service.gatewayRefs is set"};
  if (json_at(canary, {"spec", "routeRef"})) return {"apisix", "spec.routeRef is set"};
  if (json_at(canary, {"spec", "upstreamRef"})) return {"gloo", "spec.upstreamRef is set"};
  if (json_at(canary, {"spec", "ingressRef"})) {
    std::string name = json_text_at(canary, {"spec", "ingressRef", "name"});
    std::string ns = json_text_at(canary, {"metadata", "namespace"});
    auto it = classes.find(ns.empty() ? name : ns + "/" + name);
    if (it == classes.end()) it = classes.find(name);
    if (it != classes.end() && it->second.find("skipper") != std::string::npos)
      return {"skipper", "spec.ingressRef is set and Ingress " + name + " has class skipper"};
    return {"nginx", "spec.ingressRef is set"};
  }
  for (const char* field : {"gateways", "hosts", "trafficPolicy", "delegation", "corsPolicy"})
    if (non_empty(json_at(canary, {"spec", "service", field})))
      return {"istio", std::string("spec.service.") + field + " is Istio's"};
  for (const char* analysis : {"analysis", "canaryAnalysis"})
    for (const char* feature : {"match", "mirror", "sessionAffinity"})
      if (const auto* v = json_at(canary, {"spec", analysis, feature});
          non_empty(v) && !(v->is_boolean() && !v->get<bool>()))
        return {"istio", std::string("spec.") + analysis + "." + feature +
                             " needs a router that has it (istio is Flagger's default)"};
  return {fallback, "no field names a router; " + fallback + " is the default"};
}

}  // namespace veer::model
