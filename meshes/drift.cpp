#include "meshes/drift.hpp"

#include <algorithm>
#include <cctype>

#include "model/canonical_json.hpp"

namespace veer::meshes {

using nlohmann::json;

namespace {

const std::string kAnnotationPointer =
    json_pointer({"metadata", "annotations", kAppliedAnnotation});

bool all_digits(const std::string& token) {
  return !token.empty() && std::all_of(token.begin(), token.end(),
                                       [](unsigned char ch) { return std::isdigit(ch) != 0; });
}

std::string unescape(std::string token) {
  for (std::size_t at = 0; (at = token.find('~', at)) != std::string::npos; ++at) {
    if (at + 1 < token.size()) token.replace(at, 2, token[at + 1] == '1' ? "/" : "~");
  }
  return token;
}

}  // namespace

std::string field_path(const std::string& pointer) {
  std::string path;
  std::size_t start = pointer.empty() ? 0 : 1;
  while (start <= pointer.size() && !pointer.empty()) {
    auto end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    auto token = unescape(pointer.substr(start, end - start));
    if (all_digits(token)) {
      path += "[" + token + "]";
    } else {
      path += (path.empty() ? "" : ".") + token;
    }
    start = end + 1;
  }
  return path;
}

std::string owned_fields_hash(const json& object, const std::vector<std::string>& owned) {
  // The owned part of the object as a tree, not a map from pointer to value: routers name the
  // same data by different pointers from one pass to the next (traefik owns /spec/weighted
  // while mirroring and /spec/weighted/services otherwise), and that is not a change.
  json part = json::object();
  for (const auto& pointer : owned) {
    const json::json_pointer at(pointer);
    if (object.contains(at)) part[at] = object.at(at);
  }
  return model::canonical_hash(part);
}

void stamp_applied(std::vector<Write>& writes) {
  for (auto& write : writes) {
    if (write.action != Write::Action::create && write.action != Write::Action::update) continue;
    write.object["metadata"]["annotations"][std::string(kAppliedAnnotation)] =
        owned_fields_hash(write.object, write.owned_fields);
  }
}

std::optional<Drift> drift_of(const Write& write, const json& live) {
  if (write.action != Write::Action::update) return std::nullopt;
  const json& stamp = field_or_null(live, kAnnotationPointer);
  if (!stamp.is_string() ||
      stamp.get_ref<const std::string&>() == owned_fields_hash(live, write.owned_fields))
    return std::nullopt;
  Drift drift{object_name(live), {}};
  for (const auto& pointer : write.owned_fields) {
    const json& was = field_or_null(live, pointer);
    const json& wanted = field_or_null(write.object, pointer);
    if (was == wanted) continue;
    for (const auto& op : json::diff(was, wanted)) {
      auto at = pointer + op.value("path", std::string());
      // An element appended to a list ("/-"): the list is what changed.
      if (at.size() >= 2 && at.compare(at.size() - 2, 2, "/-") == 0) at.resize(at.size() - 2);
      auto path = field_path(at);
      if (std::find(drift.fields.begin(), drift.fields.end(), path) == drift.fields.end())
        drift.fields.push_back(std::move(path));
    }
  }
  // The hash differs but every field veer writes now is as it wants it: what changed is no
  // longer veer's (a label dropped from spec.service.apex), or was set to veer's value.
  if (drift.fields.empty()) return std::nullopt;
  return drift;
}

std::string drift_message(const Drift& drift) {
  constexpr std::size_t kNamed = 4;
  std::string fields;
  for (std::size_t i = 0; i < drift.fields.size() && i < kNamed; ++i) {
    fields += (i == 0 ? "" : ", ") + drift.fields[i];
  }
  if (drift.fields.size() > kNamed) {
    fields += " and " + std::to_string(drift.fields.size() - kNamed) + " more";
  }
  return drift.object + " was changed outside veer (" + fields + "); veer wrote its routing back";
}

}  // namespace veer::meshes
