// What an API server does to a custom resource before storing it, read from the CRD's own
// openAPIV3Schema (not a hand-written list): structural defaulting (a missing property with a
// `default` gets it, then is walked like the rest) and pruning of fields the schema does not
// know. For tests that must see objects as a real cluster keeps them.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::meshes::testing {

class CrdSchemas {
 public:
  // Every CustomResourceDefinition in the YAML files of `dir`, by "group/version Kind".
  static CrdSchemas load(const std::string& dir);

  std::size_t size() const { return schemas_.size(); }
  // True when a CRD here serves the object's apiVersion and kind.
  bool covers(const nlohmann::json& object) const;
  // The object as the API server stores it: pruned, then defaulted.
  nlohmann::json stored(nlohmann::json object) const;

 private:
  std::map<std::string, nlohmann::json> schemas_;  // "group/version Kind" -> openAPIV3Schema
};

// The upstream CRDs (VEER_UPSTREAM_CRDS, else the shared fixtures beside the repository).
std::string upstream_crds_dir();

}  // namespace veer::meshes::testing
