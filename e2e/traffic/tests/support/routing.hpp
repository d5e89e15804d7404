// What the router objects veer wrote tell a proxy to do, A/B tests included, read independently
// of veer's meshes/ code: the weighted split every request takes, and for A/B the header
// conditions whose requests take a second split instead. Without A/B it is the controller e2e's
// read_split.
// - istio: a first HTTP rule matching request headers (exact or regex; several entries are
//   alternatives), its route the matched split; the last rule's route the rest.
// - gatewayapi: the HTTPRoute's rules as a Gateway API implementation ranks them (a match with
//   more header conditions wins over one with fewer on the same path, whatever the rules' order):
//   a rule whose every match names one header (Exact or RegularExpression) is the matched split,
//   the rule matching every request (PathPrefix /) the rest.
// - nginx: the canary Ingress's canary-by-header (+ -value or -pattern) and canary-by-cookie
//   annotations send their requests to the canary (a cookie of that name valued `always`), the
//   rest by canary-weight, as ingress-nginx does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/router_split.hpp"
#include "e2e/traffic/tests/support/nginx_process.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::e2e::traffic {

struct Routing {
  Split rest;                       // the requests no condition selects (all without A/B)
  std::vector<RequestMatch> match;  // A/B: alternatives; empty otherwise
  Split matched;                    // where the requests that meet one of `match` go
  // An Experiment's split: weight by destination Service (its name, without a domain); empty
  // for a Canary, and then the only field set for an Experiment.
  std::map<std::string, int> versions;
  // DataPlaneOptions::route_by_apex: the workload the apex Service selects, which takes the
  // primary's share ("" when it selects none); nullopt otherwise. istio: `<target>-primary` while
  // the VirtualService names the primary's Service (to_string still says "the apex Service
  // selects" it), the apex Service's workload once none routes the apex host.
  std::optional<std::string> apex;
  // istio session affinity: the Set-Cookie the weighted route adds to the canary's answers.
  std::string canary_set_cookie;
  bool operator==(const Routing&) const = default;
};

std::optional<Routing> read_routing(kube::Cluster& cluster, const std::string& provider,
                                    const std::string& ns, const std::string& name,
                                    std::string& why);

// The Istio VirtualService `service` veer writes for an Experiment: one HTTP rule whose route has
// a weighted destination per version Service (a rule matching requests, spec.strategy.match, is
// refused: the stand-in does not split a part of the traffic). nullopt with `why` when absent or
// not of that shape.
std::optional<Routing> read_experiment_routing(kube::Cluster& cluster, const std::string& ns,
                                               const std::string& service, std::string& why);

// "90/10", or "90/10, x-canary=insider: 0/100", or "checkout-a=60 checkout-b=40".
std::string to_string(const Routing& routing);

}  // namespace veer::e2e::traffic
