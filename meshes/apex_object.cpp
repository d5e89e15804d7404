#include "meshes/apex_object.hpp"

#include <charconv>

namespace veer::meshes {

using nlohmann::json;

Write upsert_apex_object(const CanaryRouting& canary, const ObjectRef& ref, json spec,
                         const std::vector<std::string>& owned_spec_fields,
                         const Observed& observed) {
  CustomMetadata metadata = canary.apex_metadata.value_or(CustomMetadata{});
  json fresh = {{"apiVersion", ref.api_version},
                {"kind", ref.kind},
                {"metadata", new_metadata(canary, ref.name, metadata)},
                {"spec", std::move(spec)}};
  std::vector<std::string> owned = owned_spec_fields;
  for (auto& field : metadata_fields(canary, metadata)) owned.push_back(std::move(field));
  const json* found = observed.find(ref);
  UpsertOptions options;
  options.remember_original_spec = found && !is_controlled_by(*found, canary);
  return upsert(fresh, owned, found, options);
}

std::optional<int> read_weight(const json& weight) {
  if (weight.is_null()) return 0;
  if (weight.is_number_integer()) return weight.get<int>();
  if (weight.is_number()) return static_cast<int>(weight.get<double>());
  if (!weight.is_string()) return std::nullopt;
  const auto& text = weight.get_ref<const std::string&>();
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace veer::meshes
