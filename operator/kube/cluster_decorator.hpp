// A Cluster that passes every call on to another, asking one hook first: the base of the
// decorators that count calls (runtime's CountingCluster, the scale benches), note them (the
// controller's write tests) or refuse them (the kill-at-every-write tests).
#pragma once

#include <optional>
#include <string>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

struct CallInfo {
  enum class Verb { Resolve, Get, List, Watch, Create, Update, UpdateStatus, Patch, Delete };
  Verb verb;
  std::string kind;  // of the object or type; "" when the call names none
  std::string name;  // of the object; "" for resolve, list and watch

  bool is_write() const;
  // "resolve", "get", "list", "watch", "create", "update", "update_status", "patch", "delete"
  const char* verb_name() const;
};

class ClusterDecorator : public Cluster {
 public:
  explicit ClusterDecorator(Cluster& inner) : inner_(inner) {}

  Result<ResourceInfo> resolve(const ResourceType& type) final;
  Result<Json> get(const ObjectRef& ref) final;
  Result<ObjectList> list(const ResourceType& type, const std::string& ns,
                          const ListOptions& options = {}) final;
  Result<Json> create(const Json& object) final;
  Result<Json> update(const Json& object) final;
  Result<Json> update_status(const Json& object) final;
  Result<Json> patch(const ObjectRef& ref, PatchType type, const Json& patch,
                     const PatchOptions& options = {}) final;
  Status remove(const ObjectRef& ref, const DeleteOptions& options = {}) final;
  Result<std::unique_ptr<WatchStream>> watch(const ResourceType& type, const std::string& ns,
                                             const WatchOptions& options = {}) final;

 protected:
  // Called before each call reaches the inner cluster (from any thread); an error is returned
  // instead of calling it.
  virtual std::optional<ApiError> before(const CallInfo& call) = 0;

 private:
  Cluster& inner_;
};

}  // namespace veer::kube
