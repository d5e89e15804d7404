// Nested fields of a document as written, for the checks that look at the raw document rather
// than through a FieldReader (Flagger's CRD constraints, provider inference, conversion notes).
#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::model {

// The value at keys[0].keys[1]..., or nullptr when a step is missing, null or not an object.
inline const nlohmann::json* json_at(const nlohmann::json& j,
                                     std::initializer_list<const char*> keys) {
  const nlohmann::json* at = &j;
  for (const char* k : keys) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(k);
    if (it == at->end() || it->is_null()) return nullptr;
    at = &*it;
  }
  return at;
}

// The string at that path, "" when absent or not a string.
inline std::string json_text_at(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  const auto* v = json_at(j, keys);
  return v && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace veer::model
