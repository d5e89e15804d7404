// The routing features a router cannot render, refused by name so that the Canary's status says
// which field asks for what the provider lacks (and which providers have it).
#pragma once

#include <optional>
#include <string>

#include "meshes/canary_routing.hpp"
#include "meshes/result.hpp"
#include "meshes/routes.hpp"

namespace veer::meshes {

struct Supports {
  bool ab_testing = false;        // spec.analysis.match
  bool mirroring = false;         // spec.analysis.mirror
  bool session_affinity = false;  // spec.analysis.sessionAffinity
};

// An `invalid` error "<where>: provider <provider> cannot ..." for the first feature the Canary or
// the routes ask for that `supports` lacks; nothing when all are supported.
std::optional<RouterError> refuse_unsupported(const std::string& where, const std::string& provider,
                                              const CanaryRouting& canary, const Routes& routes,
                                              Supports supports);

}  // namespace veer::meshes
