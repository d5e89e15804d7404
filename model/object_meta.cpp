#include "model/object_meta.hpp"

#include "model/field_reader.hpp"

namespace veer::model {

bool is_dns1123_subdomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  // Each dot-separated label starts and ends with [a-z0-9] and holds only [-a-z0-9].
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    if (end == start || !alnum(name[start]) || !alnum(name[end - 1])) return false;
    for (std::size_t i = start; i < end; ++i)
      if (!alnum(name[i]) && name[i] != '-') return false;
    start = end + 1;
  }
  return true;
}

ObjectMeta read_object_meta(FieldReader& r, bool name_required) {
  ObjectMeta m;
  m.name = r.string("name");
  if (m.name.empty() && name_required && !r.has("generateName"))
    r.error("name", "is required");
  else if (!m.name.empty() && !is_dns1123_subdomain(m.name))
    r.error("name", "\"" + m.name +
                        "\" is not a valid name: use lowercase letters, digits, '-' and '.', "
                        "starting and ending with a letter or digit");
  m.namespace_ = r.string("namespace");
  m.labels = r.string_map("labels");
  m.annotations = r.string_map("annotations");
  m.uid = r.string("uid");
  m.resource_version = r.string("resourceVersion");
  m.generation = r.integer("generation");
  m.creation_timestamp = r.string("creationTimestamp");
  m.deletion_timestamp = r.string("deletionTimestamp");
  m.finalizers = r.string_list("finalizers");
  auto owners = r.raw_array("ownerReferences");
  if (owners.is_array()) m.owner_references = owners;
  // Server-managed fields veer does not use.
  r.ignore({"generateName", "managedFields", "selfLink", "deletionGracePeriodSeconds"});
  return m;
}

ObjectReference read_object_reference(FieldReader& r) {
  ObjectReference ref;
  ref.api_version = r.string("apiVersion");
  ref.kind = r.string("kind");
  ref.name = r.string("name");
  ref.namespace_ = r.string("namespace");
  if (ref.name.empty()) r.error("name", "is required");
  return ref;
}

NamedReference read_named_reference(FieldReader& r) {
  NamedReference ref;
  ref.name = r.string("name");
  ref.namespace_ = r.string("namespace");
  if (ref.name.empty()) r.error("name", "is required");
  return ref;
}

Condition read_condition(FieldReader& r) {
  Condition c;
  c.type = r.string("type");
  c.status = r.string("status");
  c.last_update_time = r.string("lastUpdateTime");
  c.last_transition_time = r.string("lastTransitionTime");
  c.reason = r.string("reason");
  c.message = r.string("message");
  r.ignore({"observedGeneration"});
  return c;
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

namespace {
void put_if(nlohmann::json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
}  // namespace

void put_conditions(nlohmann::json& status, const std::vector<Condition>& conditions) {
  for (const auto& c : conditions) {
    nlohmann::json j = {{"type", c.type}, {"status", c.status}};
    put_if(j, "lastUpdateTime", c.last_update_time);
    put_if(j, "lastTransitionTime", c.last_transition_time);
    put_if(j, "reason", c.reason);
    put_if(j, "message", c.message);
    status["conditions"].push_back(j);
  }
}

nlohmann::json to_json(const ObjectMeta& m) {
  nlohmann::json j = nlohmann::json::object();
  put_if(j, "name", m.name);
  put_if(j, "namespace", m.namespace_);
  if (!m.labels.empty()) j["labels"] = m.labels;
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  put_if(j, "uid", m.uid);
  put_if(j, "resourceVersion", m.resource_version);
  if (m.generation != 0) j["generation"] = m.generation;
  put_if(j, "creationTimestamp", m.creation_timestamp);
  put_if(j, "deletionTimestamp", m.deletion_timestamp);
  if (!m.finalizers.empty()) j["finalizers"] = m.finalizers;
  if (m.owner_references.is_array() && !m.owner_references.empty())
    j["ownerReferences"] = m.owner_references;
  return j;
}

nlohmann::json to_json(const ObjectReference& ref) {
  nlohmann::json j = nlohmann::json::object();
  put_if(j, "apiVersion", ref.api_version);
  put_if(j, "kind", ref.kind);
  j["name"] = ref.name;
  put_if(j, "namespace", ref.namespace_);
  return j;
}

nlohmann::json to_json(const NamedReference& ref) {
  nlohmann::json j = {{"name", ref.name}};
  put_if(j, "namespace", ref.namespace_);
  return j;
}

}  // namespace veer::model
