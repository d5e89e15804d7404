// Renders the field reference of veer's CRDs (docs/crd-fields.md) from their openAPIV3Schema, so
// the page a user reads is the schema the API server enforces, never a copy that drifts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::testing {

// `crds`: CustomResourceDefinition documents, rendered in the order given. Every field of the
// served version's schema becomes one table row: path, type, default, rules, description.
std::string render_crd_reference(const std::vector<nlohmann::json>& crds);

}  // namespace veer::testing
