#include "e2e/controller/tests/support/router_split.hpp"

namespace veer::e2e {

using nlohmann::json;

namespace {

int weight_of(const json& value) {
  if (value.is_number()) return value.get<int>();
  if (value.is_string()) return std::stoi(value.get<std::string>());  // SMI v1alpha1: "10"
  return 0;
}

// Weights of `entries` whose `name_key` (a JSON pointer) is <name>-primary or <name>-canary.
std::optional<Split> from_backends(const json& entries, const json::json_pointer& name_key,
                                   const std::string& name, std::string& why) {
  if (!entries.is_array()) {
    why = "no backends in " + entries.dump();
    return std::nullopt;
  }
  Split split;
  bool primary = false;
  bool canary = false;
  for (const auto& entry : entries) {
    const auto backend = entry.value(name_key, std::string());
    const int weight = entry.contains("weight") ? weight_of(entry["weight"]) : 0;
    if (backend == name + "-primary") {
      split.primary = weight;
      primary = true;
    } else if (backend == name + "-canary") {
      split.canary = weight;
      canary = true;
    }
  }
  if (!primary || !canary) {
    why =
        "the backends do not name " + name + "-primary and " + name + "-canary: " + entries.dump();
    return std::nullopt;
  }
  return split;
}

}  // namespace

std::string to_string(const Split& split) {
  return std::to_string(split.primary) + "/" + std::to_string(split.canary);
}

std::optional<Split> read_split(kube::Cluster& cluster, const std::string& provider,
                                const std::string& ns, const std::string& name, std::string& why) {
  auto get = [&](const std::string& api_version, const std::string& kind,
                 const std::string& object) -> std::optional<json> {
    auto found = cluster.get({kube::type_of(api_version, kind), ns, object});
    if (!found) {
      why = kind + " " + ns + "/" + object + ": " + found.error().message;
      return std::nullopt;
    }
    return *found;
  };
  try {
    if (provider == "istio") {
      auto vs = get("networking.istio.io/v1beta1", "VirtualService", name);
      if (!vs) return std::nullopt;
      return from_backends(vs->at("spec").at("http").at(0).at("route"),
                           json::json_pointer("/destination/host"), name, why);
    }
    if (provider == "linkerd" || provider.rfind("smi", 0) == 0) {
      auto ts = get("split.smi-spec.io/v1alpha1", "TrafficSplit", name);
      if (!ts) return std::nullopt;
      return from_backends(ts->at("spec").at("backends"), json::json_pointer("/service"), name,
                           why);
    }
    if (provider.rfind("gatewayapi", 0) == 0) {
      auto route = get("gateway.networking.k8s.io/v1", "HTTPRoute", name);
      if (!route) return std::nullopt;
      return from_backends(route->at("spec").at("rules").at(0).at("backendRefs"),
                           json::json_pointer("/name"), name, why);
    }
    if (provider == "nginx") {
      auto ingress = get("networking.k8s.io/v1", "Ingress", name + "-canary");
      if (!ingress) return std::nullopt;
      const auto& annotations = ingress->at("metadata").value("annotations", json::object());
      if (annotations.value("nginx.ingress.kubernetes.io/canary", "") != "true") {
        why = "Ingress " + name + "-canary is not marked canary: " + annotations.dump();
        return std::nullopt;
      }
      const int canary =
          std::stoi(annotations.value("nginx.ingress.kubernetes.io/canary-weight", "0"));
      return Split{100 - canary, canary};
    }
    if (provider == "knative") {
      // The Service's own traffic targets: the latest revision is the canary, the revision the
      // Service names as veer's primary (annotation veer.dev/primary-revision) the primary.
      auto service = get("serving.knative.dev/v1", "Service", name);
      if (!service) return std::nullopt;
      const auto primary = service->at("metadata")
                               .value("annotations", json::object())
                               .value("veer.dev/primary-revision", std::string());
      std::optional<int> primary_weight, canary_weight;
      for (const auto& target : service->at("spec").value("traffic", json::array())) {
        if (target.value("latestRevision", false))
          canary_weight = target.value("percent", 0);
        else if (!primary.empty() && target.value("revisionName", "") == primary)
          primary_weight = target.value("percent", 0);
      }
      if (!primary_weight || !canary_weight) {
        why = "spec.traffic of Service " + name + " has no latest revision and primary revision '" +
              primary + "': " + service->at("spec").value("traffic", json()).dump();
        return std::nullopt;
      }
      return Split{*primary_weight, *canary_weight};
    }
    if (provider == "kubernetes") {
      // Blue/green through the apex Service: all traffic goes where its selector points.
      auto apex = get("v1", "Service", name);
      if (!apex) return std::nullopt;
      const auto& selector = apex->at("spec").value("selector", json::object());
      const auto app = selector.value("app", std::string());
      if (app == name + "-primary") return Split{100, 0};
      if (app == name) return Split{0, 100};
      why = "Service " + name + " selects " + selector.dump();
      return std::nullopt;
    }
  } catch (const std::exception& e) {
    why = provider + " objects of " + ns + "/" + name + " are not as expected: " + e.what();
    return std::nullopt;
  }
  why = "unknown provider " + provider;
  return std::nullopt;
}

}  // namespace veer::e2e
