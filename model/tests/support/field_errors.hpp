// What the model tests ask of a parse's errors: "is there one on this path, saying this?".
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/canary.hpp"
#include "model/validation.hpp"

namespace veer::model::testing {

inline bool has_error(const std::vector<FieldError>& errors, const std::string& path,
                      const std::string& reason_part = "") {
  return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) {
    return e.path == path && e.reason.find(reason_part) != std::string::npos;
  });
}

inline std::vector<FieldError> errors_of(const nlohmann::json& canary) {
  return parse_canary(canary).errors;
}

}  // namespace veer::model::testing
