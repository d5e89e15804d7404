// The API types the e2e suites read and write by hand: one definition for every suite (their
// support files are compiled in batches, where per-file copies would collide).
#pragma once

#include "operator/kube/cluster.hpp"

namespace veer::e2e {

inline const kube::ResourceType kCanaries{"veer.dev", "v1beta1", "canaries", "Canary"};
inline const kube::ResourceType kExperiments{"veer.dev", "v1beta1", "experiments", "Experiment"};
inline const kube::ResourceType kDeployments{"apps", "v1", "deployments", "Deployment"};
inline const kube::ResourceType kDaemonSets{"apps", "v1", "daemonsets", "DaemonSet"};
inline const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap"};
inline const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret"};
inline const kube::ResourceType kHttpRoutes{"gateway.networking.k8s.io", "v1", "httproutes",
                                            "HTTPRoute"};
inline const kube::ResourceType kKnativeServices{"serving.knative.dev", "v1", "services",
                                                 "Service"};
inline const kube::ResourceType kRevisions{"serving.knative.dev", "v1", "revisions", "Revision"};

}  // namespace veer::e2e
