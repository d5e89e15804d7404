// A Cluster whose reads come from informers' caches (docs/architecture.md, "Cache reads, minimal
// writes"): get and list of a watched type are answered from memory, writes go to the API server,
// and an object this process just wrote is returned as written until the watch catches up (so the
// next reconcile never acts on the state before its own write). Types not watched yet get an
// informer on first read when `lazy` is set (the router objects of whichever mesh a Canary names);
// types that cannot be watched (a missing CRD, a forbidden list) are read from the API server.
// ConfigMaps and Secrets are cached by name: only those a get asked for (the ones Canaries, their
// workloads, MetricTemplates and AlertProviders reference) are held, never all of them. Cached
// objects leave out what veer never reads (cache_trim.hpp).
#pragma once

#include <chrono>
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
  // Cached only by name: the first get of a name reads it from the API server and from then on
  // the informer keeps it fresh; every other object of the type is dropped as it arrives
  // (lists of these types go to the API server). The watch still needs list and watch rights.
  std::vector<kube::ResourceType> by_name{{"", "v1", "configmaps", "ConfigMap"},
                                          {"", "v1", "secrets", "Secret"}};
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
  // serve it. Add handlers and indices to the informer before start().
  kube::Informer* watch_type(const kube::ResourceType& type, std::string& error,
                             base::Clock::Duration resync = base::Clock::Duration::zero());
  // The informer of a watched type, or null.
  kube::Informer* informer(const kube::ResourceType& type) const;

  void start();
  void stop();
  bool has_synced() const;
  // "deployments.apps/v1: <last error>" for informers that have not synced; "" when all have.
  std::string unsynced() const;
  bool wait_for_sync(std::chrono::milliseconds timeout) const;
  // True when every informer has applied the events up to `resource_version` (simulations
  // send bookmarks to move informers of quiet types along).
  bool caught_up(const std::string& resource_version) const;

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
  // The names a by-name entry holds ("ns/name"); shared with its informer's keep function.
  struct Names {
    std::mutex mutex;
    std::set<std::string> keys;
    bool contains(const std::string& key) {
      std::lock_guard guard(mutex);
      return keys.count(key) > 0;
    }
  };
  struct Entry {
    kube::ResourceInfo info;
    std::unique_ptr<kube::Informer> informer;
    std::shared_ptr<Names> names;  // null unless the type is cached by name
    std::function<void(kube::Json&)> trim;
  };
  // The informer options of a type: trimming, and the keep function of a by-name type.
  kube::InformerOptions informer_options(const kube::ResourceType& type, bool lazy, Entry& entry);
  // A by-name entry's first get of `ref`: read from the API server into the cache.
  std::optional<kube::ApiError> fetch_name(Entry& entry, const kube::ObjectRef& ref);
  // The entry serving `type` in namespace `ns`, starting one lazily; null = ask the API server.
  Entry* entry_for(const kube::ResourceType& type, const std::string& ns);
  Entry* find_locked(const kube::ResourceType& type) const;
  void remember(const kube::Result<kube::Json>& written);
  std::string overlay_key(const Entry& entry, const std::string& key) const;
  std::optional<kube::Json> newest(const Entry& entry, const std::string& key,
                                   std::optional<kube::Json> cached);

  kube::Cluster& api_;
  base::Clock& clock_;
  CacheOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::set<std::string> unwatchable_;  // describe() of types that cannot be cached
  bool started_ = false;
  bool stopped_ = false;
  std::mutex overlay_mutex_;
  std::map<std::string, kube::Json> overlay_;  // objects written here, newer than the cache
};

}  // namespace veer::runtime
