// What `veer demo` puts in the in-memory cluster so that a provider can route its Canary: the
// fields that provider's router reads (gatewayRefs, ingressRef, routeRef, a Knative target) and
// the user's objects it starts from (an Ingress, an ApisixRoute, a Knative Service).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::cli {

// The providers `veer demo --provider` accepts: every provider veer has a router for.
std::vector<std::string> demo_providers();

// One app of the demo: the workload its Canary targets, the user's routing objects, the Canary.
struct DemoApp {
  nlohmann::json target;
  std::vector<nlohmann::json> routing;
  nlohmann::json canary;
};

// `canary` (made for a Deployment `app` in `ns`) completed for `provider`, with its target running
// `image` and the objects the provider's router reads.
DemoApp demo_app(const std::string& ns, const std::string& app, const std::string& image,
                 const std::string& provider, nlohmann::json canary);

// Whether `provider` moves traffic by weight during the analysis. kubernetes switches the
// Services at promotion only (blue/green), so there is no canary share to compare with the
// primary's.
bool demo_splits_traffic(const std::string& provider);

}  // namespace veer::cli
