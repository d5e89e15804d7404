// A cache of chosen objects of one type (ConfigMaps, Secrets), each kept fresh by its own list and
// watch with `fieldSelector=metadata.name=<name>` in its namespace: the API server sends veer
// only the objects some Canary, workload, MetricTemplate or AlertProvider refers to, never every
// Secret of a namespace. A name is held from its first read (when it is referenced), and its
// watch ends when nothing refers to it any more (release_unreferenced). Past `cap` names, further
// names are read from the API server each time (said once through `warn`).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/informer.hpp"

namespace veer::runtime {

class NameWatches {
 public:
  // Whether an object ("ns/name") is referenced by something veer reconciles.
  using Referenced = std::function<bool(const std::string& key)>;
  using Warn = std::function<void(const std::string& message)>;

  // `options` are every watch's (trim, backoff, watch timeout); namespace and field selector are
  // set per name.
  NameWatches(kube::Cluster& api, base::Clock& clock, kube::ResourceType type,
              kube::InformerOptions options, std::size_t cap, Warn warn = {});
  ~NameWatches();
  NameWatches(const NameWatches&) = delete;
  NameWatches& operator=(const NameWatches&) = delete;

  // Before the first hold(): handlers every name's watch calls.
  void add_handlers(kube::InformerHandlers handlers);
  // Before the first hold(): names it refuses are read from the API server, not watched (unset:
  // every name read is held).
  void set_referenced(Referenced referenced);

  // Starts the watch of `ns/name` unless it runs already, and waits (in real time, up to
  // `timeout`) for its first list. Returns the synced watch, whose cache answers for the name even
  // when release_unreferenced() stops it meanwhile (read from the watch, not by key again: the
  // name may be gone from the map, which is not the object being absent). Null when the name is
  // not watched (not referenced, past the cap, stopped, or its list fails): read it from the API
  // server.
  std::shared_ptr<const kube::Informer> hold(const std::string& ns, const std::string& name,
                                             std::chrono::milliseconds timeout);
  // Stops the watches of held names that are no longer referenced; returns how many.
  std::size_t release_unreferenced();
  // Stops the watch of one name (no handler runs).
  void release(const std::string& key);

  std::vector<std::string> held() const;  // "ns/name", sorted
  std::size_t size() const;               // objects cached (a held name may not exist)
  // True when every held name's watch has applied the events up to `resource_version`.
  bool caught_up(const std::string& resource_version) const;
  void stop();

 private:
  std::shared_ptr<kube::Informer> find(const std::string& key) const;

  kube::Cluster& api_;
  base::Clock& clock_;
  kube::ResourceType type_;
  kube::InformerOptions options_;
  std::size_t cap_;
  Warn warn_;
  std::vector<kube::InformerHandlers> handlers_;
  Referenced referenced_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<kube::Informer>> watches_;  // by "ns/name"
  bool warned_full_ = false;
  bool stopped_ = false;
};

}  // namespace veer::runtime
