// The router x strategy scenarios behind the golden files, shared by the unit tests (which
// render them) and the conformance test (which applies the golden files to a real API server).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meshes/canary_routing.hpp"
#include "meshes/objects.hpp"
#include "meshes/result.hpp"
#include "meshes/router.hpp"
#include "meshes/routes.hpp"

namespace veer::meshes::testing {

struct Scenario {
  std::string provider;  // as given to make_router
  std::string strategy;  // canary | ab | bluegreen | mirror | session | tcp
  CanaryRouting canary;
  Routes routes;
  Observed observed;  // objects that exist before veer renders (the user's Ingress for nginx)

  // meshes/tests/golden/<provider with ':' as '-'>/<strategy>.json
  std::string golden_path() const;
};

std::vector<Scenario> golden_scenarios();

// The podinfo Canary in namespace `test` that every scenario starts from.
CanaryRouting podinfo_canary();

// A user-owned Ingress `podinfo` sending / to the apex Service `podinfo`.
nlohmann::json podinfo_ingress();

// primary 100 - w, canary w.
Routes weights(int canary_weight);

// Writes as a kubectl-appliable {"kind": "List"}.
nlohmann::json as_list(const std::vector<Write>& writes);

// The objects the cluster holds after `writes` (created or updated objects replace old ones).
Observed after(const Observed& before, const std::vector<Write>& writes);

std::string golden_root();

// The router of `provider`; fails the test case when there is none.
std::unique_ptr<Router> router_for(const std::string& provider);

// The error message of a failed result, "" when it succeeded (for test messages).
template <class T>
std::string why(const Expected<T>& result) {
  return result.ok() ? std::string() : result.error().message;
}

}  // namespace veer::meshes::testing
