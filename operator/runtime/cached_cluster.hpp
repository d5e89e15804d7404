// A Cluster whose reads come from informers' caches (docs/architecture.md, "Cache reads, minimal
// writes"): get and list of a watched type are answered from memory, writes go to the API server,
// and an object this process just wrote is returned as written until the watch catches up (so the
// next reconcile never acts on the state before its own write). Types not watched yet get an
// informer on first read when `lazy` is set (the router objects of whichever mesh a Canary names);
// types that cannot be watched (a missing CRD, a forbidden list) are read from the API server.
// ConfigMaps and Secrets are cached by name (name_watches.hpp): each one a get asked for and that
// is referenced (by a Canary's workloads, a MetricTemplate or an AlertProvider) has its own
// watch with a field selector, so the API server never sends veer the others; the watch ends when
// the reference goes. Cached objects leave out what veer never reads (cache_trim.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/informer.hpp"
#include "operator/runtime/name_watches.hpp"

namespace veer::runtime {

struct CacheOptions {
  std::string ns;     // informers watch only this namespace; "" = all
  bool lazy = false;  // start an informer for a type on its first get/list
  // How long a first read waits (in real time) for a lazily started informer's first list.
  std::chrono::milliseconds lazy_sync_timeout{std::chrono::seconds(10)};
  // Never cached: read and written on the API server every time.
  std::vector<kube::ResourceType> uncached{{"", "v1", "events", "Event"},
                                           {"events.k8s.io", "v1", "events", "Event"},
                                           {"coordination.k8s.io", "v1", "leases", "Lease"}};
  kube::InformerOptions informer;  // backoff, page size, ...; `ns` is taken from above
  // Cached only by name: the first get of a (referenced) name starts a list and watch of that
  // one object (fieldSelector=metadata.name=<name>), which keeps it fresh until the name is
  // released; lists of these types go to the API server. Needs list and watch rights.
  std::vector<kube::ResourceType> by_name{{"", "v1", "configmaps", "ConfigMap"},
                                          {"", "v1", "secrets", "Secret"}};
  // Names watched at most, per by-name type; the others are read from the API server each time.
  std::size_t max_watched_names = 500;
  // Says, once per type, that the cap was reached (no names or values in it); and, once per
  // error, that an informer's list or watch failed (the call and the server's message).
  std::function<void(const std::string& message)> warn;
  // Every cached object leaves out metadata.managedFields.
  bool trim = true;
  // These types also leave out kubectl's last-applied annotation: veer reads them, patches them
  // or writes their status, never the whole object. Deployments (an Experiment's promotion
  // updates the baseline whole), Services and router objects (meshes restore a user's spec from
  // the annotation) keep it.
  std::vector<kube::ResourceType> without_last_applied{
      {"veer.dev", "v1beta1", "canaries", "Canary"},
      {"veer.dev", "v1beta1", "experiments", "Experiment"},
      {"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"},
      {"veer.dev", "v1beta1", "alertproviders", "AlertProvider"},
      {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
      {"autoscaling", "v2beta2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
      {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
      {"", "v1", "configmaps", "ConfigMap"},
      {"", "v1", "secrets", "Secret"}};
};

class CachedCluster final : public kube::Cluster {
 public:
  CachedCluster(kube::Cluster& api, base::Clock& clock, CacheOptions options = {});
  ~CachedCluster() override;
  CachedCluster(const CachedCluster&) = delete;
  CachedCluster& operator=(const CachedCluster&) = delete;

  // Declares a watched type before start(); null with `error` set when the API server does not
  // serve it or it is cached by name (watch_names). Add handlers and indices before start().
  kube::Informer* watch_type(const kube::ResourceType& type, std::string& error,
                             base::Clock::Duration resync = base::Clock::Duration::zero());
  // Declares a type cached by name (in `by_name`); null with `error` set as for watch_type. Add
  // handlers and set its referenced predicate before start().
  NameWatches* watch_names(const kube::ResourceType& type, std::string& error);
  // The informer of a watched type, or null.
  kube::Informer* informer(const kube::ResourceType& type) const;
  // The watches of a type cached by name, or null.
  NameWatches* names(const kube::ResourceType& type) const;
  // Ends the watches of names nothing refers to any more; returns how many.
  std::size_t release_unreferenced();

  void start();
  void stop();
  bool has_synced() const;
  // Relists of the type informers (kube::Informer::relists), summed: /metrics.
  std::size_t relists() const;
  // "deployments.apps/v1: <last error>" for informers that have not synced; "" when all have.
  std::string unsynced() const;
  bool wait_for_sync(std::chrono::milliseconds timeout) const;
  // True when every informer has applied the events up to `resource_version` (simulations
  // send bookmarks to move informers of quiet types along).
  bool caught_up(const std::string& resource_version) const;
  // Objects written here that the watches have not delivered yet (read back from the overlay).
  std::size_t unsettled_writes() const;

  kube::Result<kube::ResourceInfo> resolve(const kube::ResourceType& type) override;
  kube::Result<kube::Json> get(const kube::ObjectRef& ref) override;
  kube::Result<kube::ObjectList> list(const kube::ResourceType& type, const std::string& ns,
                                      const kube::ListOptions& options = {}) override;
  kube::Result<kube::Json> create(const kube::Json& object) override;
  kube::Result<kube::Json> update(const kube::Json& object) override;
  kube::Result<kube::Json> update_status(const kube::Json& object) override;
  kube::Result<kube::Json> patch(const kube::ObjectRef& ref, kube::PatchType type,
                                 const kube::Json& patch,
                                 const kube::PatchOptions& options = {}) override;
  kube::Status remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options = {}) override;
  kube::Result<std::unique_ptr<kube::WatchStream>> watch(
      const kube::ResourceType& type, const std::string& ns,
      const kube::WatchOptions& options = {}) override;

 private:
  // A watched type: one informer, or (cached by name) one watch per name.
  struct Entry {
    kube::ResourceInfo info;
    std::unique_ptr<kube::Informer> informer;  // null when cached by name
    std::unique_ptr<NameWatches> names;        // null unless the type is cached by name
    std::function<void(kube::Json&)> trim;
  };
  // The informer options of a type: trimming.
  kube::InformerOptions informer_options(const kube::ResourceType& type, bool lazy, Entry& entry);
  // A new entry for a resolved type: by name when it is in `by_name`.
  std::unique_ptr<Entry> make_entry(const kube::ResourceInfo& info, bool lazy,
                                    base::Clock::Duration resync);
  // The entry serving `type` in namespace `ns`, starting one lazily; null = ask the API server.
  Entry* entry_for(const kube::ResourceType& type, const std::string& ns);
  Entry* find_locked(const kube::ResourceType& type) const;
  void remember(const kube::Result<kube::Json>& written);
  std::string overlay_key(const Entry& entry, const std::string& key) const;
  // The newer of `cached` (read when settles_ was `settles_before`) and our write of `key`. With
  // no write left to compare and a settle since `cached` was read, that settle may have been of
  // this key: `reread` reads the cache again (it holds the write by then).
  std::optional<kube::Json> newest(const Entry& entry, const std::string& key,
                                   std::optional<kube::Json> cached, std::uint64_t settles_before,
                                   const std::function<std::optional<kube::Json>()>& reread);
  // Drops the remembered write of `overlay_key` once the cache holds `seen_rv` or newer: the
  // watch has delivered it. Without this, a write never read again (a Canary's last status, the
  // routes at the end of a rollout) stayed in the overlay, parsed, until the limit.
  void settle(const std::string& overlay_key, const std::string& seen_rv);

  kube::Cluster& api_;
  base::Clock& clock_;
  CacheOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::set<std::string> unwatchable_;  // describe() of types that cannot be cached
  bool started_ = false;
  bool stopped_ = false;
  mutable std::mutex overlay_mutex_;
  std::map<std::string, kube::Json> overlay_;  // objects written here, newer than the cache
  std::atomic<std::uint64_t> settles_{0};      // writes settle() dropped, so far
};

}  // namespace veer::runtime
