// A small validator for the OpenAPI v3 subset Kubernetes CRDs use (type, properties, required,
// additionalProperties, items, enum, minimum/maximum with exclusive flags, pattern,
// minLength/maxLength, minItems/maxItems, minProperties/maxProperties, allOf/anyOf/oneOf/not,
// x-kubernetes-list-type set and map, x-kubernetes-int-or-string,
// x-kubernetes-preserve-unknown-fields). Unknown fields are errors, as with `kubectl apply
// --validate=strict`. Not checked: `format`, and CEL rules (x-kubernetes-validations). Test-only:
// it checks that crds/ and the C++ model agree, and that what the routers render (and the
// examples hold) fits the routers' upstream CRDs (meshes/tests/examples_upstream_crds_test.cpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::testing {

struct SchemaError {
  std::string path;  // same style as the model: spec.analysis.webhooks[2].url
  std::string reason;
};

std::vector<SchemaError> validate_against_schema(const nlohmann::json& value,
                                                 const nlohmann::json& schema);

}  // namespace veer::testing
