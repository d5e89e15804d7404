#include "model/tests/support/openapi_schema.hpp"

#include <algorithm>
#include <set>

// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> at -O1 with sanitizers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

namespace veer::testing {

namespace {

std::string child(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

bool type_matches(const std::string& type, const nlohmann::json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer")
    return v.is_number_integer() ||
           (v.is_number_float() &&
            v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (type == "number") return v.is_number();
  return false;
}

// x-kubernetes-list-type: `set` items are unique; `map` items are unique by their
// x-kubernetes-list-map-keys (the API server refuses duplicates of either).
void check_list_type(const nlohmann::json& v, const nlohmann::json& s, const std::string& path,
                     std::vector<SchemaError>& out) {
  const std::string type = s.value("x-kubernetes-list-type", "");
  if (type != "set" && type != "map") return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    nlohmann::json key = v[i];
    if (type == "map") {
      key = nlohmann::json::array();
      for (const auto& name : s.value("x-kubernetes-list-map-keys", nlohmann::json::array()))
        key.push_back(v[i].is_object() ? v[i].value(name.get<std::string>(), nlohmann::json())
                                       : nlohmann::json());
    }
    if (!seen.insert(key.dump()).second)
      out.push_back(
          {path + "[" + std::to_string(i) + "]", "duplicate " + type + " entry " + key.dump()});
  }
}

void check(const nlohmann::json& v, const nlohmann::json& s, const std::string& path,
           std::vector<SchemaError>& out) {
  if (v.is_null()) return;  // absent or null: the API server treats null as unset
  if (s.value("x-kubernetes-int-or-string", false)) {
    if (!v.is_number_integer() && !v.is_string())
      out.push_back({path, "must be an integer or a string"});
    return;
  }
  if (s.contains("type") && !type_matches(s["type"].get<std::string>(), v)) {
    out.push_back({path, "must be of type " + s["type"].get<std::string>()});
    return;
  }
  if (s.contains("enum")) {
    bool found = false;
    for (const auto& e : s["enum"]) found = found || e == v;
    if (!found) out.push_back({path, "unsupported value " + v.dump()});
  }
  if (v.is_number()) {
    double x = v.get<double>();
    if (s.contains("minimum")) {
      double m = s["minimum"].get<double>();
      if (s.value("exclusiveMinimum", false) ? x <= m : x < m)
        out.push_back({path, "below minimum"});
    }
    if (s.contains("maximum")) {
      double m = s["maximum"].get<double>();
      if (s.value("exclusiveMaximum", false) ? x >= m : x > m)
        out.push_back({path, "above maximum"});
    }
  }
  if (v.is_string()) {
    // Kubernetes counts characters (code points), not bytes.
    std::size_t length = 0;
    for (unsigned char c : v.get_ref<const std::string&>()) length += (c & 0xC0) != 0x80;
    if (s.contains("minLength") && length < s["minLength"].get<std::size_t>())
      out.push_back({path, "shorter than " + s["minLength"].dump() + " characters"});
    if (s.contains("maxLength") && length > s["maxLength"].get<std::size_t>())
      out.push_back({path, "longer than " + s["maxLength"].dump() + " characters"});
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>())
      out.push_back({path, "fewer than " + s["minItems"].dump() + " items"});
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>())
      out.push_back({path, "more than " + s["maxItems"].dump() + " items"});
    check_list_type(v, s, path, out);
  }
  if (v.is_object()) {
    if (s.contains("minProperties") && v.size() < s["minProperties"].get<std::size_t>())
      out.push_back({path, "fewer than " + s["minProperties"].dump() + " properties"});
    if (s.contains("maxProperties") && v.size() > s["maxProperties"].get<std::size_t>())
      out.push_back({path, "more than " + s["maxProperties"].dump() + " properties"});
  }
  // Value validations in structural schemas: every allOf branch, at least one anyOf branch,
  // exactly one oneOf branch, and not the `not` one. A branch declares no fields of its own
  // (structural schemas), so a field it does not list is not an error there.
  auto passes = [&](const nlohmann::json& branch) {
    std::vector<SchemaError> errors;
    check(v, branch, path, errors);
    return std::all_of(errors.begin(), errors.end(),
                       [](const SchemaError& e) { return e.reason == "unknown field"; });
  };
  for (const auto& branch : s.value("allOf", nlohmann::json::array())) check(v, branch, path, out);
  if (s.contains("anyOf") && std::none_of(s["anyOf"].begin(), s["anyOf"].end(), passes))
    out.push_back({path, "matches none of anyOf"});
  if (s.contains("oneOf") && std::count_if(s["oneOf"].begin(), s["oneOf"].end(), passes) != 1)
    out.push_back({path, "does not match exactly one of oneOf"});
  if (s.contains("not") && passes(s["not"])) out.push_back({path, "matches `not`"});
  if (v.is_string() && s.contains("pattern")) {
    std::regex re(s["pattern"].get<std::string>(), std::regex::ECMAScript);
    if (!std::regex_search(v.get<std::string>(), re))
      out.push_back({path, "does not match " + s["pattern"].get<std::string>()});
  }
  if (v.is_array() && s.contains("items"))
    for (std::size_t i = 0; i < v.size(); ++i)
      check(v[i], s["items"], path + "[" + std::to_string(i) + "]", out);
  if (!v.is_object()) return;
  if (s.contains("required"))
    for (const auto& r : s["required"])
      if (!v.contains(r.get<std::string>()) || v[r.get<std::string>()].is_null())
        out.push_back({child(path, r.get<std::string>()), "is required"});
  bool preserve = s.value("x-kubernetes-preserve-unknown-fields", false);
  for (const auto& [key, item] : v.items()) {
    if (s.contains("properties") && s["properties"].contains(key))
      check(item, s["properties"][key], child(path, key), out);
    else if (s.contains("additionalProperties"))
      check(item, s["additionalProperties"], child(path, key), out);
    else if (s.contains("properties") && !preserve)
      out.push_back({child(path, key), "unknown field"});
    // An object schema with neither properties nor additionalProperties (metadata) is open.
  }
}

}  // namespace

std::vector<SchemaError> validate_against_schema(const nlohmann::json& value,
                                                 const nlohmann::json& schema) {
  std::vector<SchemaError> out;
  check(value, schema, "", out);
  return out;
}

}  // namespace veer::testing
