#include "meshes/objects.hpp"

namespace veer::meshes {

bool non_empty(const nlohmann::json& value) {
  return !value.is_null() && !value.empty();
}

using nlohmann::json;

std::string_view api_group(std::string_view api_version) {
  auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

const json* Observed::find(const ObjectRef& ref) const {
  for (const auto& object : objects) {
    if (!object.is_object()) continue;
    if (object.value("kind", "") != ref.kind) continue;
    if (api_group(object.value("apiVersion", "")) != api_group(ref.api_version)) continue;
    const auto& metadata = object.value("metadata", json::object());
    if (!ref.namespace_.empty() && metadata.value("namespace", "") != ref.namespace_) continue;
    if (metadata.value("name", "") == ref.name) return &object;
  }
  return nullptr;
}

std::string json_pointer(std::initializer_list<std::string_view> tokens) {
  std::string pointer;
  for (auto token : tokens) {
    pointer += '/';
    for (char ch : token) {
      if (ch == '~') {
        pointer += "~0";
      } else if (ch == '/') {
        pointer += "~1";
      } else {
        pointer += ch;
      }
    }
  }
  return pointer;
}

json owner_reference(const CanaryRouting& canary) {
  return {{"apiVersion", canary.api_version},
          {"kind", canary.kind},
          {"name", canary.name},
          {"uid", canary.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

bool is_controlled_by(const json& object, const CanaryRouting& canary) {
  const auto refs = object.value("/metadata/ownerReferences"_json_pointer, json::array());
  for (const auto& ref : refs) {
    if (ref.value("controller", false) && ref.value("kind", "") == canary.kind &&
        ref.value("name", "") == canary.name) {
      return true;
    }
  }
  return false;
}

json new_metadata(const CanaryRouting& canary, const std::string& name,
                  const CustomMetadata& metadata) {
  json meta = {{"name", name},
               {"namespace", canary.namespace_},
               {"ownerReferences", json::array({owner_reference(canary)})}};
  if (!metadata.labels.empty()) meta["labels"] = metadata.labels;
  if (!metadata.annotations.empty()) meta["annotations"] = metadata.annotations;
  return meta;
}

std::vector<std::string> metadata_fields(const CanaryRouting& canary,
                                         const CustomMetadata& metadata) {
  std::vector<std::string> fields;
  for (const auto& [key, value] : metadata.labels) {
    if (canary.unmanaged_labels.count(key)) continue;
    fields.push_back(json_pointer({"metadata", "labels", key}));
  }
  for (const auto& [key, value] : metadata.annotations) {
    if (canary.unmanaged_annotations.count(key)) continue;
    fields.push_back(json_pointer({"metadata", "annotations", key}));
  }
  return fields;
}

namespace {

void set_field(json& target, const json& source, const std::string& pointer) {
  const json::json_pointer at(pointer);
  if (source.contains(at)) {
    target[at] = source.at(at);
  } else if (target.contains(at)) {
    target.at(at.parent_pointer()).erase(at.back());
  }
}

bool has_annotation(const json& object, std::string_view key) {
  return object.contains(json::json_pointer(json_pointer({"metadata", "annotations", key})));
}

}  // namespace

Write upsert(const json& fresh, const std::vector<std::string>& owned_fields, const json* observed,
             const UpsertOptions& options) {
  if (observed == nullptr) return {Write::Action::create, fresh, owned_fields};
  json merged = *observed;
  for (const auto& pointer : owned_fields) set_field(merged, fresh, pointer);
  const json no_spec = nullptr;
  const json& old_spec = observed->contains("spec") ? observed->at("spec") : no_spec;
  const json& new_spec = merged.contains("spec") ? merged.at("spec") : no_spec;
  if (options.remember_original_spec && old_spec != new_spec &&
      !has_annotation(*observed, kOriginalConfigAnnotation) &&
      !has_annotation(*observed, kLastAppliedAnnotation)) {
    merged["metadata"]["annotations"][std::string(kOriginalConfigAnnotation)] = old_spec.dump();
  }
  auto action = merged == *observed ? Write::Action::unchanged : Write::Action::update;
  return {action, std::move(merged), owned_fields};
}

const json& field_or_null(const json& object, const std::string& pointer) {
  static const json null_value;
  const json::json_pointer at(pointer);
  return object.contains(at) ? object.at(at) : null_value;
}

std::string object_name(const json& object) {
  const auto& metadata = object.value("metadata", json::object());
  return object.value("kind", "object") + " " + metadata.value("name", "") + "." +
         metadata.value("namespace", "");
}

Expected<std::vector<Write>> restore_original_spec(const json* observed) {
  if (observed == nullptr) return std::vector<Write>{};
  const auto annotations = observed->value("/metadata/annotations"_json_pointer, json::object());
  std::optional<json> spec;
  for (auto key :
       {kOriginalConfigAnnotation, kLastAppliedAnnotation, kFlaggerOriginalConfigAnnotation}) {
    auto found = annotations.find(std::string(key));
    if (found == annotations.end() || !found->is_string()) continue;
    json saved = json::parse(found->get<std::string>(), nullptr, /*allow_exceptions=*/false);
    if (key == kLastAppliedAnnotation && saved.is_object()) saved = saved.value("spec", json());
    if (saved.is_discarded() || !saved.is_object()) {
      return invalid(object_name(*observed) + ": annotation " + std::string(key) +
                     " does not hold a JSON object spec; cannot restore the original routing");
    }
    spec = std::move(saved);
    break;
  }
  if (!spec) return std::vector<Write>{};
  json restored = *observed;
  restored["spec"] = *spec;
  auto& restored_annotations = restored["metadata"]["annotations"];
  restored_annotations.erase(std::string(kOriginalConfigAnnotation));
  restored_annotations.erase(std::string(kAppliedAnnotation));
  if (restored_annotations.empty()) restored["metadata"].erase("annotations");
  auto action = restored == *observed ? Write::Action::unchanged : Write::Action::update;
  return std::vector<Write>{Write{action, std::move(restored), {"/spec"}}};
}

}  // namespace veer::meshes
