// Routes for an Experiment: N versions side by side, each behind its own Service
// <svc>-<version> selecting its Deployment's pods, weighted by the router's objects:
// - istio: a VirtualService <svc> with one weighted destination per version (hosts: the apex
//   Service and spec.service.hosts); with spec.strategy.match only matching requests are split,
//   the rest go to the baseline;
// - gatewayapi (v1, v1beta1): an HTTPRoute <svc> with one weighted backendRef per version,
//   parentRefs from spec.service.gatewayRefs; with spec.strategy.match a first rule splits the
//   matching requests and a second sends the rest to the baseline (a match key an HTTPRoute
//   cannot express is refused, naming it);
// - smi (linkerd, smi, smi:<version>[:<mesh>]): the Canary's SMI router's TrafficSplit <svc>,
//   its two backends the baseline's and the candidate's Services; no match;
// - nginx: the Canary's NGINX router's `<ingress>-canary` copy of spec.ingressRef, sending the
//   candidate's weight to the candidate's Service (the rest stays on the user's Ingress, whose
//   backend is the apex Service, which must select the baseline's pods only: refused when it
//   selects the candidate's too); with spec.strategy.match, every matching request while the
//   candidate's weight is 100 and none at 0 (NGINX cannot split matching requests by percent).
// SMI and NGINX route two versions only. Pure, as the Canary routers: the operator makes the API
// calls.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"
#include "model/experiment.hpp"

namespace veer::meshes {

struct ExperimentBackend {
  std::string version;      // the version's name
  std::string service;      // <svc>-<version>
  nlohmann::json selector;  // the pod labels of the version's Deployment (spec.selector)
};

struct ExperimentRouting {
  // The owner (kind Experiment, name, uid) and spec.service's routing facts.
  CanaryRouting owner;
  std::vector<ExperimentBackend> versions;         // baseline first
  nlohmann::json match = nlohmann::json::array();  // [Istio HTTPMatchRequest]
  // The operator's prefix of NGINX's canary annotations (provider nginx).
  std::string nginx_annotation_prefix = "nginx.ingress.kubernetes.io";
};

using VersionWeights = std::map<std::string, int>;

// Why `provider` cannot route this experiment ("" when it can), naming the provider.
std::string experiment_routing_problem(const std::string& provider, const ExperimentRouting& r);

// Why the version Services cannot be written ("" when they can): no port, or a version whose
// Deployment has no selector. The whole problem for a performance experiment, which needs only
// them (the load is aimed at each version's Service; no router object).
std::string experiment_services_problem(const ExperimentRouting& r);

// The writes that make each version's Service <svc>-<version> (and nothing else).
Expected<std::vector<Write>> apply_experiment_services(const ExperimentRouting& r,
                                                       const Observed& observed);

// `selectors`: version name -> its Deployment's spec.selector.matchLabels.
ExperimentRouting experiment_routing_of(const model::Experiment& experiment,
                                        const std::map<std::string, nlohmann::json>& selectors);

// The objects to observe: the apex and version Services, then the router's object.
std::vector<ObjectRef> experiment_objects(const std::string& provider, const ExperimentRouting& r);

// The writes that make the router split as `weights` says (a version missing from it gets 0).
// The apex Service is created when absent (selecting the baseline's pods, with no owner: it
// outlives the experiment), never changed.
Expected<std::vector<Write>> apply_experiment_routes(const std::string& provider,
                                                     const ExperimentRouting& r,
                                                     const VersionWeights& weights,
                                                     const Observed& observed);

// What deleting the Experiment writes back: the router's object as the user had it (its spec saved
// in veer.dev/original-configuration when veer first changed an object it did not create); no
// write for an object veer created (garbage collection removes it with the Experiment) or for a
// provider that cannot route an Experiment. NGINX: the `-canary` Ingress is removed at once (the
// user's Ingress was never changed).
Expected<std::vector<Write>> restore_experiment_routes(const std::string& provider,
                                                       const ExperimentRouting& r,
                                                       const Observed& observed);

// Why the router has not applied the routes veer wrote yet ("" when it has, or has no such
// status): a Gateway API HTTPRoute not Accepted by every parent at its current generation, read
// as the Canary's Gateway API router reads it. A VirtualService has no such status.
std::string experiment_routes_pending(const std::string& provider, const ExperimentRouting& r,
                                      const Observed& observed);

// The weights the router's object holds now (of the traffic that takes part).
Expected<VersionWeights> read_experiment_routes(const std::string& provider,
                                                const ExperimentRouting& r,
                                                const Observed& observed);

}  // namespace veer::meshes
