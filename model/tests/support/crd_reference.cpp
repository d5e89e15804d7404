#include "model/tests/support/crd_reference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

using nlohmann::json;

namespace veer::testing {
namespace {

// A table cell: no line breaks, and a '|' would end the cell.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += ' ';
    else if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

std::string code(const std::string& text) {
  return "`" + text + "`";
}

std::string type_of(const json& schema) {
  if (schema.value("x-kubernetes-int-or-string", false)) return "integer or string";
  std::string type = schema.value("type", "");
  if (type == "array" && schema.contains("items")) return "array of " + type_of(schema["items"]);
  if (type == "object" && schema.contains("additionalProperties") &&
      schema["additionalProperties"].is_object())
    return "map of " + type_of(schema["additionalProperties"]);
  return type.empty() ? "any" : type;
}

std::string rules_of(const json& schema, bool required) {
  std::vector<std::string> rules;
  if (required) rules.push_back("required");
  if (schema.contains("enum")) {
    std::vector<std::string> values;
    for (const auto& v : schema["enum"])
      values.push_back(v.is_string() && !v.get<std::string>().empty() ? code(v.get<std::string>())
                                                                      : code(v.dump()));
    rules.push_back("one of " + fmt::format("{}", fmt::join(values, ", ")));
  }
  auto bound = [&](const char* key, const char* text) {
    if (schema.contains(key)) rules.push_back(fmt::format("{} {}", text, schema[key].dump()));
  };
  // OpenAPI v3.0 (what CRDs use): exclusiveMinimum/Maximum are booleans qualifying the bound.
  bound("minimum", schema.value("exclusiveMinimum", false) ? ">" : ">=");
  bound("maximum", schema.value("exclusiveMaximum", false) ? "<" : "<=");
  bound("minLength", "length >=");
  bound("maxLength", "length <=");
  bound("minItems", "items >=");
  bound("maxItems", "items <=");
  if (schema.contains("pattern"))
    rules.push_back("pattern " + code(schema["pattern"].get<std::string>()));
  if (schema.value("x-kubernetes-preserve-unknown-fields", false))
    rules.push_back("any fields kept");
  return fmt::format("{}", fmt::join(rules, "; "));
}

void rows(const json& schema, const std::string& path, bool required, std::string& out) {
  if (!path.empty()) {
    std::string default_value =
        schema.contains("default") ? code(schema["default"].dump()) : std::string{};
    out += fmt::format("| {} | {} | {} | {} | {} |\n", code(path), cell(type_of(schema)),
                       cell(default_value), cell(rules_of(schema, required)),
                       cell(schema.value("description", "")));
  }
  const json* object = &schema;
  std::string prefix = path;
  if (schema.value("type", "") == "array" && schema.contains("items")) {
    object = &schema["items"];
    prefix += "[]";
  } else if (schema.contains("additionalProperties") &&
             schema["additionalProperties"].is_object()) {
    object = &schema["additionalProperties"];
    prefix += ".<key>";
  }
  if (!object->contains("properties")) return;
  std::set<std::string> required_names;
  if (object->contains("required"))
    for (const auto& name : (*object)["required"]) required_names.insert(name.get<std::string>());
  for (const auto& [name, child] : (*object)["properties"].items()) {
    if (prefix.empty() && (name == "apiVersion" || name == "kind" || name == "metadata")) continue;
    rows(child, prefix.empty() ? name : prefix + "." + name, required_names.count(name) > 0, out);
  }
}

}  // namespace

std::string render_crd_reference(const std::vector<json>& crds) {
  std::string out =
      "# CRD field reference\n\n"
      "Every field of veer's custom resources, as the API server checks it: generated from the\n"
      "`openAPIV3Schema` of the CRDs in `crds/` by a unit test "
      "(`model/tests/crd_reference_test.cpp`),\n"
      "which fails when this page is not current. Regenerate with\n"
      "`VEER_UPDATE_DOCS=1 build-test/model/model_tests -tc='*CRD field reference*'`.\n"
      "[crds.md](crds.md) explains the fields and where veer differs from Flagger; the model adds\n"
      "rules a schema cannot express (`veer validate` and the admission webhook apply them).\n";
  for (const auto& crd : crds) {
    const auto& names = crd["spec"]["names"];
    const json* served = nullptr;
    for (const auto& version : crd["spec"]["versions"])
      if (version.value("storage", false)) served = &version;
    if (served == nullptr) continue;
    out += fmt::format("\n## {}\n\n", names["kind"].get<std::string>());
    out +=
        fmt::format("`{}/{}`, {} (`kubectl get {}`).\n\n", crd["spec"]["group"].get<std::string>(),
                    (*served)["name"].get<std::string>(), crd["spec"]["scope"].get<std::string>(),
                    names["plural"].get<std::string>());
    out += "| field | type | default | rules | description |\n|---|---|---|---|---|\n";
    rows((*served)["schema"]["openAPIV3Schema"], "", false, out);
  }
  return out;
}

}  // namespace veer::testing
