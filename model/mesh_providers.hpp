// What model knows about traffic providers (Flagger's -mesh-provider values) beyond the list in
// canary.hpp: the `smi:<version>:<mesh>` forms, the ones discontinued upstream, and which router
// family accepts which Canary fields.
#pragma once

#include <string>

namespace veer::model {

// One of known_providers(), or smi:v1alpha1|v1alpha2|v1alpha3:<mesh> (Flagger's SMI forms with
// the mesh that implements it, e.g. smi:v1alpha3:linkerd).
bool is_known_provider(const std::string& provider);

// Why veer will not route through `provider` at all ("" when it may): AWS App Mesh is
// discontinued upstream and Open Service Mesh is archived.
std::string discontinued_provider(const std::string& provider);

// Why veer cannot run a Canary on `provider` ("" when it can): "provider knative: no router yet
// ..." or discontinued_provider's reason. Flagger itself would run it (veer validate --flagger
// reports it as a note).
std::string router_gap(const std::string& provider);

// Why an Experiment cannot be routed through `provider` ("" when it can): istio and gatewayapi
// (gatewayapi:v1, gatewayapi:v1beta1) weight N versions; SMI TrafficSplits (linkerd, smi, smi:*)
// and NGINX canary ingresses route two versions (experiment_splits_two_versions_only); kubernetes
// does not split; the others have no Experiment router yet. Each reason names the providers an
// Experiment can use. "" for "" (the operator's --mesh-provider decides).
std::string experiment_provider_gap(const std::string& provider);

// True for the providers that route an Experiment's baseline and one candidate only: SMI
// TrafficSplits (linkerd, smi, smi:*) and NGINX canary ingresses.
bool experiment_splits_two_versions_only(const std::string& provider);

// "istio, linkerd, ..., smi:<version>:<mesh>": the accepted values, for messages.
std::string known_providers_text();

bool is_gateway_api_provider(const std::string& provider);  // gatewayapi, gatewayapi:v1, ...
bool is_smi_provider(const std::string& provider);          // linkerd, smi, smi:...
bool is_appmesh_provider(const std::string& provider);      // appmesh, appmesh:v1beta2

}  // namespace veer::model
