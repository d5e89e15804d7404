// Config tracking: the ConfigMaps and Secrets a target's pods use are part of its revision. Each
// is summarised by the canonical hash of its data, and copied to `<name>-primary` at promotion.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controller/config_refs.hpp"

namespace veer::controller {

// "configmap/<name>" or "secret/<name>" -> canonical hash of the object's data (the status field
// trackedConfigs, as Flagger names its keys).
using ConfigChecksums = std::map<std::string, std::string>;

struct TrackedConfigs {
  ConfigChecksums checksums;
  ConfigRefs tracked;                // the references that are renamed in the primary
  std::vector<std::string> missing;  // "configmap/<name>" referenced but not found
};

// Looks an object up by kind ("ConfigMap" or "Secret") and name in the canary's namespace.
using ConfigLookup =
    std::function<std::optional<nlohmann::json>(const std::string& kind, const std::string& name)>;

// An object opts out with the annotation `veer.dev/config-tracking: disabled` (or Flagger's
// `flagger.app/config-tracking: disabled`); Secrets are tracked only for the types whose data
// the app reads (Opaque, basic-auth, ssh-auth, tls), never registry credentials.
bool is_trackable(const nlohmann::json& object);

// The canonical hash of `data` and `binaryData` (a Secret's `stringData` is write-only).
std::string config_checksum(const nlohmann::json& object);

TrackedConfigs track_configs(const nlohmann::json& pod_spec, const ConfigLookup& lookup);

// The `<name>-primary` copy of a tracked ConfigMap or Secret, owned by the Canary.
nlohmann::json primary_config(const nlohmann::json& object, const nlohmann::json& owner_reference);

}  // namespace veer::controller
