// The traffic split the operator wants (or finds): integer weights that sum to 100, mirroring,
// and the session-affinity cookies that keep a user on the version they first saw.
#pragma once

#include <optional>
#include <string>

#include "meshes/result.hpp"

namespace veer::meshes {

struct Routes {
  int primary_weight = 100;
  int canary_weight = 0;
  bool mirror = false;
  std::optional<int> mirror_percentage;  // analysis.mirrorWeight; absent mirrors 100%

  // Session affinity ("name=value"): the cookie handed out by the canary during this run, and
  // the one of the previous run, which is expired (Max-Age=-1) once the canary weight is 0.
  std::string session_cookie;
  std::string previous_session_cookie;

  friend bool operator==(const Routes&, const Routes&) = default;
};

// The routes of a plain split (no mirroring, no cookies), as routers read it back.
Routes weighted(int primary_weight, int canary_weight);

// Checks weights are in 0..100 and sum to 100, and the mirror percentage is in 0..100.
std::optional<RouterError> check_routes(const Routes& routes);

// A cookie "name=<10 letters>" from a seed (the operator passes something unique per run, e.g. a
// hash of the Canary uid and revision) so that rendering stays a pure function.
std::string make_session_cookie(const std::string& cookie_name, unsigned long long seed);

}  // namespace veer::meshes
