// Types a plain (unquoted, untagged) YAML scalar as the YAML 1.2 core schema does, which is
// how Kubernetes reads manifests: null, booleans, integers, floats, else a string.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace veer::model {

struct TypedScalar {
  nlohmann::json value;  // the typed value; the text itself when `problem` is set
  std::string problem;   // why the scalar cannot be a JSON value, "" when it can
};

TypedScalar type_plain_scalar(const std::string& text);

}  // namespace veer::model
