#include "operator/controller/config_refs.hpp"

#include <functional>

namespace veer::controller {
namespace {

using nlohmann::json;

enum class Kind { kConfigMap, kSecret };

// Calls `visit(kind, name_field)` for every string field that names a ConfigMap or Secret.
void for_each_ref(json& pod_spec, const std::function<void(Kind, json&)>& visit) {
  auto name_at = [&](json& holder, const char* key, Kind kind) {
    if (holder.is_object() && holder.contains(key) && holder[key].is_string())
      visit(kind, holder[key]);
  };
  if (pod_spec.contains("volumes") && pod_spec["volumes"].is_array()) {
    for (auto& volume : pod_spec["volumes"]) {
      if (!volume.is_object()) continue;
      if (volume.contains("configMap")) name_at(volume["configMap"], "name", Kind::kConfigMap);
      if (volume.contains("secret")) name_at(volume["secret"], "secretName", Kind::kSecret);
      if (volume.contains("projected") && volume["projected"].contains("sources") &&
          volume["projected"]["sources"].is_array()) {
        for (auto& source : volume["projected"]["sources"]) {
          if (!source.is_object()) continue;
          if (source.contains("configMap")) name_at(source["configMap"], "name", Kind::kConfigMap);
          if (source.contains("secret")) name_at(source["secret"], "name", Kind::kSecret);
        }
      }
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    if (!pod_spec.contains(list) || !pod_spec[list].is_array()) continue;
    for (auto& container : pod_spec[list]) {
      if (!container.is_object()) continue;
      if (container.contains("env") && container["env"].is_array()) {
        for (auto& env : container["env"]) {
          if (!env.is_object() || !env.contains("valueFrom")) continue;
          auto& from = env["valueFrom"];
          if (from.contains("configMapKeyRef"))
            name_at(from["configMapKeyRef"], "name", Kind::kConfigMap);
          if (from.contains("secretKeyRef")) name_at(from["secretKeyRef"], "name", Kind::kSecret);
        }
      }
      if (container.contains("envFrom") && container["envFrom"].is_array()) {
        for (auto& from : container["envFrom"]) {
          if (!from.is_object()) continue;
          if (from.contains("configMapRef"))
            name_at(from["configMapRef"], "name", Kind::kConfigMap);
          if (from.contains("secretRef")) name_at(from["secretRef"], "name", Kind::kSecret);
        }
      }
    }
  }
}

}  // namespace

ConfigRefs referenced_configs(const nlohmann::json& pod_spec) {
  ConfigRefs refs;
  json copy = pod_spec;  // for_each_ref walks mutable JSON; reading a copy keeps one walker
  for_each_ref(copy, [&](Kind kind, json& name) {
    (kind == Kind::kConfigMap ? refs.config_maps : refs.secrets).insert(name.get<std::string>());
  });
  return refs;
}

void rename_config_refs(nlohmann::json& pod_spec, const ConfigRefs& tracked) {
  for_each_ref(pod_spec, [&](Kind kind, json& name) {
    const auto& names = kind == Kind::kConfigMap ? tracked.config_maps : tracked.secrets;
    auto value = name.get<std::string>();
    if (names.count(value)) name = value + "-primary";
  });
}

}  // namespace veer::controller
