#include "meshes/user_copy.hpp"

namespace veer::meshes {

using nlohmann::json;

json copied_annotations(const json& user_object, const std::string& drop_prefix) {
  json annotations = json::object();
  for (const auto& [key, value] : field_or_null(user_object, "/metadata/annotations").items()) {
    if (key == kLastAppliedAnnotation) continue;
    if (!drop_prefix.empty() && key.rfind(drop_prefix, 0) == 0) continue;
    annotations[key] = value;
  }
  return annotations;
}

Write upsert_copy(const CanaryRouting& canary, const json& user_object, const std::string& name,
                  json spec, const json& annotations, const std::vector<std::string>& also_owned,
                  const json* found) {
  json metadata = new_metadata(canary, name, {});
  if (!annotations.empty()) metadata["annotations"] = annotations;
  const json& labels = field_or_null(user_object, "/metadata/labels");
  if (labels.is_object() && !labels.empty()) metadata["labels"] = labels;
  json fresh = {{"apiVersion", user_object.value("apiVersion", "")},
                {"kind", user_object.value("kind", "")},
                {"metadata", metadata},
                {"spec", std::move(spec)}};
  std::vector<std::string> owned = {"/spec", "/metadata/labels"};
  for (const auto& [key, value] : annotations.items()) {
    owned.push_back(json_pointer({"metadata", "annotations", key}));
  }
  owned.insert(owned.end(), also_owned.begin(), also_owned.end());
  return upsert(fresh, owned, found);
}

std::vector<Write> remove_copy(const json* copy, const CanaryRouting& canary) {
  std::vector<Write> writes;
  if (copy != nullptr && is_controlled_by(*copy, canary)) {
    writes.push_back({Write::Action::remove, *copy, {}});
  }
  return writes;
}

}  // namespace veer::meshes
