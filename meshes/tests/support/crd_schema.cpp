#include "crd_schema.hpp"

#include <cstdlib>
#include <filesystem>

#include "model/document.hpp"

namespace veer::meshes::testing {

using nlohmann::json;

namespace {

std::string key_of(const std::string& api_version, const std::string& kind) {
  return api_version + " " + kind;
}

// Structural defaulting, as the API server does it: defaults first, then every field is walked
// with its own schema (so a default's own missing fields are defaulted too). A null where the
// schema is not nullable counts as missing.
void apply_defaults(json& value, const json& schema) {
  if (value.is_object()) {
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, property] : properties.items()) {
      if (!property.contains("default")) continue;
      const bool missing =
          !value.contains(name) || (value[name].is_null() && !property.value("nullable", false));
      if (missing) value[name] = property["default"];
    }
    for (auto& [name, child] : value.items()) {
      if (properties.contains(name)) {
        apply_defaults(child, properties[name]);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        apply_defaults(child, schema["additionalProperties"]);
      }
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) apply_defaults(item, schema["items"]);
  }
}

// Pruning: fields the schema does not declare are dropped, unless it preserves unknown fields.
void prune(json& value, const json& schema) {
  if (value.is_object()) {
    const json properties = schema.value("properties", json::object());
    const bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const bool map = schema.contains("additionalProperties");
    for (auto it = value.begin(); it != value.end();) {
      if (properties.contains(it.key())) {
        prune(it.value(), properties[it.key()]);
      } else if (map && schema["additionalProperties"].is_object()) {
        prune(it.value(), schema["additionalProperties"]);
      } else if (!preserve && !map) {
        it = value.erase(it);
        continue;
      }
      ++it;
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) prune(item, schema["items"]);
  }
}

}  // namespace

CrdSchemas CrdSchemas::load(const std::string& dir) {
  CrdSchemas out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    auto read = model::read_documents_from_file(entry.path());
    for (const auto& document : read.documents) {
      if (document.kind != "CustomResourceDefinition") continue;
      const auto& spec = document.json["spec"];
      const std::string group = spec.value("group", "");
      const std::string kind = spec["names"].value("kind", "");
      for (const auto& version : spec.value("versions", json::array())) {
        const auto api_version = group + "/" + version.value("name", "");
        out.schemas_[key_of(api_version, kind)] =
            version.value("/schema/openAPIV3Schema"_json_pointer, json::object());
      }
    }
  }
  return out;
}

bool CrdSchemas::covers(const json& object) const {
  return schemas_.count(key_of(object.value("apiVersion", ""), object.value("kind", ""))) > 0;
}

json CrdSchemas::stored(json object) const {
  const auto found =
      schemas_.find(key_of(object.value("apiVersion", ""), object.value("kind", "")));
  if (found == schemas_.end()) return object;
  // Only the spec is the resource's own: metadata follows ObjectMeta, status is not written here.
  const json& spec_schema = found->second.value("/properties/spec"_json_pointer, json::object());
  if (object.contains("spec")) {
    prune(object["spec"], spec_schema);
    apply_defaults(object["spec"], spec_schema);
  }
  return object;
}

std::string upstream_crds_dir() {
  const char* dir = std::getenv("VEER_UPSTREAM_CRDS");
  return dir && *dir ? dir : VEER_SOURCE_DIR "/../shared/fixtures/upstream-crds";
}

}  // namespace veer::meshes::testing
