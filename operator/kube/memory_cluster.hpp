// An in-memory API server with the semantics the operator relies on: resourceVersion and 409 on a
// stale write, metadata.generation bumped on spec changes only, the status subresource, watch
// (bookmarks; 410 for a resourceVersion older than the kept history), finalizers and
// deletionTimestamp, owner references with garbage collection, label and field selectors,
// server-side apply with field managers. Unit tests, `veer demo` and benchmarks use it; the
// conformance suite checks it against a real kube-apiserver.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::kube {

struct MemoryClusterOptions {
  // Watch events kept per type for watches that resume from a resourceVersion.
  std::size_t watch_history = 1000;
  // Namespaced objects need their Namespace to exist ("default", "kube-system" and
  // "kube-public" exist from the start), as on a real server.
  bool require_namespaces = true;
};

class MemoryCluster final : public Cluster {
 public:
  explicit MemoryCluster(base::Clock& clock, MemoryClusterOptions options = {});
  ~MemoryCluster() override;
  MemoryCluster(const MemoryCluster&) = delete;
  MemoryCluster& operator=(const MemoryCluster&) = delete;

  // Serves a type, as installing a CRD does (creating a CustomResourceDefinition object does
  // this too). Built-in types (core, apps, coordination, networking, ...) are served already.
  void add_type(const ResourceInfo& info);

  Result<ResourceInfo> resolve(const ResourceType& type) override;
  Result<Json> get(const ObjectRef& ref) override;
  Result<ObjectList> list(const ResourceType& type, const std::string& ns,
                          const ListOptions& options = {}) override;
  Result<Json> create(const Json& object) override;
  Result<Json> update(const Json& object) override;
  Result<Json> update_status(const Json& object) override;
  Result<Json> patch(const ObjectRef& ref, PatchType type, const Json& patch,
                     const PatchOptions& options = {}) override;
  Status remove(const ObjectRef& ref, const DeleteOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> watch(const ResourceType& type, const std::string& ns,
                                             const WatchOptions& options = {}) override;

  // Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks.
  void send_bookmarks();
  // Ends every open watch, as an API server restart or a dropped connection would.
  void close_watches();
  // Forgets watch history up to now: a watch from an older resourceVersion then gets 410 Gone.
  void compact();
  // Makes the next `count` calls of `verb` ("get", "list", "create", "update", "patch",
  // "delete", "watch") fail with `error` (fault injection for tests).
  void fail_next(const std::string& verb, ApiError error, int count = 1);

  // Calls served so far, by verb, and watches open now (benchmarks count API traffic).
  std::map<std::string, std::size_t> request_counts() const;
  std::size_t total_requests() const;
  std::size_t open_watches() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace veer::kube
