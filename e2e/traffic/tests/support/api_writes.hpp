// Writes to the Kubernetes API, counted two ways for the idle check (issue 15: "after each
// rollout, 60 idle seconds make 0 writes"):
// - by the kube-apiserver itself: its /metrics `apiserver_request_total` of the write verbs (POST,
//   PUT, PATCH, DELETE, DELETECOLLECTION, APPLY), from every client. The 1.20 server has no user
//   or user-agent label, so on a cluster of its own (nothing else writes there once the rollout has
//   settled: the stand-ins write a status only when an object veer wrote changed) every write
//   counted is the operator's or caused by one of its writes;
// - by veer: the operator's own /metrics `veer_api_requests_total` of create, update, patch and
//   delete (its runtime's counting client, which its informers, controller and Events go through).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "e2e/controller/tests/support/e2e_cluster.hpp"

namespace veer::e2e::traffic {

// Counts by what was written: "PATCH gateway.networking.k8s.io/httproutes/status" (apiserver) or
// "patch" (veer), summed over answer codes.
using WriteCounts = std::map<std::string, long>;

std::optional<WriteCounts> apiserver_writes(const E2eCluster& cluster, std::string& why);
std::optional<WriteCounts> operator_writes(int operator_port, std::string& why);
// Every request, not only writes (the API-server restart case counts veer's lists): veer's
// `veer_api_requests_total` by verb ("list", "watch", ...). (The 1.20 kube-apiserver cannot tell
// veer's lists apart: it counts a GET of one custom resource as a LIST, and has no client label.)
std::optional<WriteCounts> operator_requests(int operator_port, std::string& why);

// The entries of `after` that grew since `before`, by how much.
WriteCounts grown(const WriteCounts& before, const WriteCounts& after);
long total(const WriteCounts& counts);
std::string to_string(const WriteCounts& counts);

}  // namespace veer::e2e::traffic
