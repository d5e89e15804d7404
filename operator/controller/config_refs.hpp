// The ConfigMaps and Secrets a pod spec refers to (volumes, projected volumes, env, envFrom, in
// containers and init containers), and renaming those references to their `-primary` copies.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::controller {

struct ConfigRefs {
  std::set<std::string> config_maps;
  std::set<std::string> secrets;
  bool operator==(const ConfigRefs&) const = default;
};

// Every ConfigMap and Secret name referenced by `pod_spec` (a PodSpec object).
ConfigRefs referenced_configs(const nlohmann::json& pod_spec);

// Renames, in place, every reference to a name in `tracked` to `<name>-primary`. References to
// names not in `tracked` (untracked or opted-out objects) are left alone.
void rename_config_refs(nlohmann::json& pod_spec, const ConfigRefs& tracked);

}  // namespace veer::controller
