// Reading fields of documents whose shape is not guaranteed (statuses written by other versions,
// Flagger, users): a missing or mistyped field is "absent", never an exception.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::dashboard {

std::optional<double> number_at(const nlohmann::json& object, const char* key);
std::string text_at(const nlohmann::json& object, const char* key);
int int_at(const nlohmann::json& object, const char* key);
// object[key] when it is an object (or array, for array_at), else an empty one.
const nlohmann::json& object_at(const nlohmann::json& object, const char* key);
const nlohmann::json& array_at(const nlohmann::json& object, const char* key);

}  // namespace veer::dashboard
