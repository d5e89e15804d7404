#include "model/object_meta.hpp"

#include "model/field_reader.hpp"
#include "model/kube_names.hpp"

namespace veer::model {

void check_name(FieldReader& r, const std::string& key, const std::string& value,
                std::string (*problem)(const std::string&)) {
  if (auto why = problem(value); !why.empty())
    r.error(key, quoted_value(value) + " is not a valid " +
                     (problem == dns1123_label_problem ? "namespace" : "name") + ": " + why);
}

void check_labels(FieldReader& r, const std::string& key,
                  const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : labels) {
    if (auto why = qualified_name_problem(k); !why.empty())
      r.error(key, "key " + quoted_value(k) + " is not a valid label key: " + why);
    if (auto why = label_value_problem(v); !why.empty())
      r.error(key + "." + k, quoted_value(v) + " is not a valid label value: " + why);
  }
}

void check_annotations(FieldReader& r, const std::string& key,
                       const std::map<std::string, std::string>& annotations) {
  std::size_t total = 0;
  for (const auto& [k, v] : annotations) {
    if (auto why = qualified_name_problem(k); !why.empty())
      r.error(key, "key " + quoted_value(k) + " is not a valid annotation key: " + why);
    total += k.size() + v.size();
  }
  // The API server's limit on all annotations of one object together.
  if (total > 256 * 1024)
    r.error(key,
            "hold " + std::to_string(total) + " bytes together; Kubernetes allows at most 262144");
}

ObjectMeta read_object_meta(FieldReader& r, bool name_required) {
  ObjectMeta m;
  m.name = r.string("name");
  if (m.name.empty() && name_required && !r.has("generateName"))
    r.error("name", "is required");
  else if (!m.name.empty())
    check_name(r, "name", m.name, dns1123_subdomain_problem);
  m.namespace_ = r.string("namespace");
  if (!m.namespace_.empty()) check_name(r, "namespace", m.namespace_, dns1123_label_problem);
  m.labels = r.string_map("labels");
  check_labels(r, "labels", m.labels);
  m.annotations = r.string_map("annotations");
  check_annotations(r, "annotations", m.annotations);
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
  if (ref.name.empty())
    r.error("name", "is required");
  else
    check_name(r, "name", ref.name, dns1123_subdomain_problem);
  if (!ref.namespace_.empty()) check_name(r, "namespace", ref.namespace_, dns1123_label_problem);
  return ref;
}

NamedReference read_named_reference(FieldReader& r) {
  NamedReference ref;
  ref.name = r.string("name");
  ref.namespace_ = r.string("namespace");
  if (ref.name.empty())
    r.error("name", "is required");
  else
    check_name(r, "name", ref.name, dns1123_subdomain_problem);
  if (!ref.namespace_.empty()) check_name(r, "namespace", ref.namespace_, dns1123_label_problem);
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
