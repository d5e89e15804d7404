#include "operator/controller/config_tracking.hpp"

#include "model/canonical_json.hpp"

namespace veer::controller {

using nlohmann::json;

namespace {}  // namespace

bool is_trackable(const json& object) {
  if (kube::annotation_of(object, "veer.dev/config-tracking") == "disabled") return false;
  if (kube::annotation_of(object, "flagger.app/config-tracking") == "disabled") return false;
  if (object.value("kind", "") != "Secret") return true;
  const auto type = object.value("type", "Opaque");
  return type == "Opaque" || type == "kubernetes.io/basic-auth" ||
         type == "kubernetes.io/ssh-auth" || type == "kubernetes.io/tls";
}

std::string config_checksum(const json& object) {
  json content = json::object();
  for (const char* key : {"data", "binaryData"}) {
    if (object.contains(key) && !object[key].is_null()) content[key] = object[key];
  }
  return model::canonical_hash(content);
}

TrackedConfigs track_configs(const json& pod_spec, const ConfigLookup& lookup) {
  TrackedConfigs result;
  const auto refs = referenced_configs(pod_spec);
  auto track = [&](const std::string& kind, const std::string& prefix, const std::string& name,
                   std::set<std::string>& tracked) {
    auto object = lookup(kind, name);
    if (!object) {
      result.missing.push_back(prefix + name);
      return;
    }
    if (!is_trackable(*object)) return;
    result.checksums[prefix + name] = config_checksum(*object);
    tracked.insert(name);
  };
  for (const auto& name : refs.config_maps)
    track("ConfigMap", "configmap/", name, result.tracked.config_maps);
  for (const auto& name : refs.secrets) track("Secret", "secret/", name, result.tracked.secrets);
  return result;
}

json primary_config(const json& object, const json& owner_reference) {
  json copy = json::object();
  copy["apiVersion"] = "v1";
  copy["kind"] = object.value("kind", "ConfigMap");
  const auto& meta = object.value("metadata", json::object());
  copy["metadata"] = {{"name", meta.value("name", "") + "-primary"},
                      {"namespace", meta.value("namespace", "")},
                      {"ownerReferences", json::array({owner_reference})}};
  if (meta.contains("labels")) copy["metadata"]["labels"] = meta["labels"];
  for (const char* key : {"type", "data", "binaryData", "immutable"}) {
    if (object.contains(key)) copy[key] = object[key];
  }
  return copy;
}

}  // namespace veer::controller
