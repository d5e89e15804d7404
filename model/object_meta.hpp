// The parts of Kubernetes ObjectMeta and object references that veer reads or writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/kube_names.hpp"
#include "model/validation.hpp"

namespace veer::model {

class FieldReader;

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // "" when not set (kubectl then uses the current namespace)
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::string creation_timestamp;  // RFC 3339, "" when unset
  std::string deletion_timestamp;  // RFC 3339, "" when not being deleted
  std::vector<std::string> finalizers;
  nlohmann::json owner_references = nlohmann::json::array();
};

// {apiVersion, kind, name, namespace}: Flagger's targetRef, ingressRef, routeRef, upstreamRef.
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string namespace_;  // only for cross-namespace references (upstreamRef)
};

// {name, namespace}: templateRef and providerRef; namespace "" means the Canary's namespace.
struct NamedReference {
  std::string name;
  std::string namespace_;
};

// A status condition (Kubernetes metav1.Condition plus Flagger's lastUpdateTime).
struct Condition {
  std::string type;    // "Promoted"
  std::string status;  // "True" | "False" | "Unknown"
  std::string last_update_time;
  std::string last_transition_time;
  std::string reason;
  std::string message;
};

// Reads metadata; reports a missing or malformed name (`name_required`).
ObjectMeta read_object_meta(FieldReader& metadata, bool name_required = true);
ObjectReference read_object_reference(FieldReader& reader);
NamedReference read_named_reference(FieldReader& reader);

Condition read_condition(FieldReader& reader);
// Appends conditions as a "conditions" list to a status object.
void put_conditions(nlohmann::json& status, const std::vector<Condition>& conditions);

// True for http:// and https:// URLs.
bool is_http_url(const std::string& url);

nlohmann::json to_json(const ObjectMeta& meta);
nlohmann::json to_json(const ObjectReference& ref);
nlohmann::json to_json(const NamedReference& ref);

// Name, namespace, label and annotation checks, for custom metadata read elsewhere.
void check_name(FieldReader& r, const std::string& key, const std::string& value,
                std::string (*problem)(const std::string&));
void check_labels(FieldReader& r, const std::string& key,
                  const std::map<std::string, std::string>& labels);
void check_annotations(FieldReader& r, const std::string& key,
                       const std::map<std::string, std::string>& annotations);

}  // namespace veer::model
