// A Kubernetes Event about one of veer's objects (a Canary or an Experiment), as the
// reconcilers write them: a unique name, the object as involvedObject, reason Synced.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/controller/decision.hpp"

namespace veer::controller {

// `object`: the Canary or Experiment as read (apiVersion, metadata.name and uid); `kind` its kind.
nlohmann::json event_object(const nlohmann::json& object, const std::string& kind,
                            const std::string& ns, const Event& event, TimePoint now);

}  // namespace veer::controller
