// The Kubernetes API as the operator sees it: a small interface over objects held as JSON, with
// errors as values. Two implementations share one behaviour (tests/conformance_*.cpp):
// RestCluster (rest_cluster.hpp, a real kube-apiserver) and MemoryCluster (memory_cluster.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace veer::kube {

using Json = nlohmann::json;

// A kind of object: group/version and the plural resource name or the Kind (either is enough;
// the cluster resolves the other through discovery). Core objects have group "".
struct ResourceType {
  std::string group;
  std::string version;
  std::string resource;  // "deployments"
  std::string kind;      // "Deployment"

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "deployments.apps/v1" or "Deployment.apps/v1", for messages.
  std::string describe() const;
  bool operator==(const ResourceType&) const = default;
};

// Parses "apps/v1" + "Deployment" into a ResourceType (kind set, resource empty).
ResourceType type_of(const std::string& api_version, const std::string& kind);
// The ResourceType of an object from its apiVersion and kind.
ResourceType type_of(const Json& object);

// One object: its type, namespace ("" for cluster-scoped objects) and name.
struct ObjectRef {
  ResourceType type;
  std::string ns;
  std::string name;
  std::string describe() const;  // "deployments.apps/v1 default/podinfo"
};

// Why a call failed. `Conflict` (409 on a stale resourceVersion or an apply conflict) is the one
// a controller handles by re-reading and retrying; `Transport` covers DNS, TCP, TLS and timeouts.
enum class ErrorType {
  Transport,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  AlreadyExists,
  Conflict,
  Gone,  // 410: the resourceVersion asked for is no longer in the watch history: relist
  Invalid,
  TooManyRequests,
  Timeout,
  Internal,
  Configuration,  // kubeconfig or discovery problem found before any request
};

struct ApiError {
  ErrorType type = ErrorType::Internal;
  int code = 0;         // HTTP status, 0 when no response arrived
  std::string reason;   // the API's Status.reason, e.g. "NotFound"
  std::string message;  // one line: what, where (URL, object, file) and what to do

  bool is(ErrorType t) const { return type == t; }
};

// The same error as the project's general one, for code that reports API and other failures
// together (the controller's writes): the kind says what a caller can do about it.
base::Error to_error(const ApiError& error);
// The same, its message prefixed with what was being done: "promoting b: <API's message>".
base::Error to_error(const ApiError& error, const std::string& doing);

// The error an API Status (or an HTTP code alone) stands for.
ApiError error_from_status(int code, const Json& status, const std::string& context);
const char* to_string(ErrorType type);

// A value or an ApiError (base/result.hpp).
template <class T>
using Result = base::Result<T, ApiError>;

using base::Empty;
using Status = Result<Empty>;

struct ListOptions {
  std::string label_selector;  // "app=web,tier in (a,b),!legacy"
  std::string field_selector;  // "metadata.name=x" (metadata.name and metadata.namespace)
  std::int64_t limit = 0;      // page size; 0 = everything
  std::string continue_token;
  std::string resource_version;  // "" = most recent
};

struct ObjectList {
  std::vector<Json> items;
  std::string resource_version;  // of the list: start a watch from here
  std::string continue_token;    // non-empty when more pages follow
};

enum class PatchType { Merge, JsonPatch, Apply };

struct PatchOptions {
  std::string field_manager = "veer";
  bool force = false;   // server-side apply: take fields other managers own
  bool status = false;  // patch the status subresource
};

struct DeleteOptions {
  std::string propagation_policy;  // "Background" (default), "Foreground" or "Orphan"
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
};

struct WatchOptions {
  std::string resource_version;  // "" = send the current objects as ADDED, then changes
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  std::chrono::seconds timeout{0};  // server-side timeout; 0 = the server's default
};

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type = Type::Added;
  Json object;  // the object; for Error the API Status; for Bookmark only metadata.resourceVersion
};
const char* to_string(WatchEvent::Type type);

// An open watch. `next` blocks until an event arrives; it returns nullopt when the stream ended
// (server timeout, connection lost, `stop`). Error events carry a Status (410 Gone: relist).
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  virtual std::optional<WatchEvent> next() = 0;
  // Ends the stream from any thread; a blocked `next` returns nullopt.
  virtual void stop() = 0;
};

// What discovery knows about a type.
struct ResourceInfo {
  ResourceType type;  // both resource and kind filled in
  bool namespaced = true;
  bool has_status = false;  // a status subresource exists
};

class Cluster {
 public:
  virtual ~Cluster() = default;

  // Fills in kind/resource and scope, or NotFound naming the type ("is the CRD installed?").
  virtual Result<ResourceInfo> resolve(const ResourceType& type) = 0;

  virtual Result<Json> get(const ObjectRef& ref) = 0;
  // `ns` "" lists across all namespaces (or a cluster-scoped type).
  virtual Result<ObjectList> list(const ResourceType& type, const std::string& ns,
                                  const ListOptions& options = {}) = 0;
  // The type, namespace and name come from the object (apiVersion, kind, metadata).
  virtual Result<Json> create(const Json& object) = 0;
  // Fails with Conflict when metadata.resourceVersion is set and stale. Ignores status changes
  // where the type has a status subresource.
  virtual Result<Json> update(const Json& object) = 0;
  // Writes only .status (the status subresource).
  virtual Result<Json> update_status(const Json& object) = 0;
  // `patch` is a JSON merge patch (object), a JSON patch (array) or an apply configuration.
  virtual Result<Json> patch(const ObjectRef& ref, PatchType type, const Json& patch,
                             const PatchOptions& options = {}) = 0;
  // Objects with finalizers get a deletionTimestamp and stay until the finalizers are removed.
  virtual Status remove(const ObjectRef& ref, const DeleteOptions& options = {}) = 0;
  virtual Result<std::unique_ptr<WatchStream>> watch(const ResourceType& type,
                                                     const std::string& ns,
                                                     const WatchOptions& options = {}) = 0;
};

// Small helpers over object JSON.
std::string name_of(const Json& object);
std::string namespace_of(const Json& object);
std::string resource_version_of(const Json& object);
std::string uid_of(const Json& object);
// metadata.annotations[key] when it is a string, else "".
std::string annotation_of(const Json& object, const std::string& key);
ObjectRef ref_of(const Json& object);
// "ns/name" or "name": the work-queue key of an object.
std::string key_of(const Json& object);
std::string key_of(const std::string& ns, const std::string& name);
// Splits a key back into namespace and name.
std::pair<std::string, std::string> split_key(const std::string& key);
// resourceVersions are opaque to clients, but etcd's are integers; this compares them when they
// are (to drop a stale event), and returns nullopt when either is not.
std::optional<int> compare_resource_versions(const std::string& a, const std::string& b);

}  // namespace veer::kube
