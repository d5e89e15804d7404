// An informer: lists a type, then watches it, keeping a local cache that controllers read instead
// of the API server. Reconnects with backoff when a watch ends or fails, relists on 410 Gone, and
// never lets an older state of an object replace a newer one. Handlers run on the informer's own
// thread after the cache is updated; keep them short (enqueue a key).
// The cache keeps each object packed (MessagePack, about its JSON text's size) and unpacks it for
// every read: a parsed object takes about seven times that on the heap, which made the caches
// most of the operator's memory (bench/scale/results.md). A read unpacks with unpack_json
// (packed_json.hpp), about 2.6 times as fast as from_msgpack and 1.4 times the time of copying
// the parsed object.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::kube {

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;  // "metadata.name=x": one object (the list and the watch ask for it)
  std::int64_t page_size = 500;  // list pagination
  // Calls on_update(obj, obj) for every cached object this often (0 = never), spread over the
  // period (each object in its own one-second slot): once a period each, not all at one moment.
  base::Clock::Duration resync = base::Clock::Duration::zero();
  // Watch timeout asked of the server, like client-go (a new watch is opened after it).
  std::chrono::seconds watch_timeout{std::chrono::minutes(5)};
  base::Clock::Duration backoff_base = std::chrono::seconds(1);
  base::Clock::Duration backoff_cap = std::chrono::seconds(30);
  std::uint64_t seed = 1;  // jitter of the backoff
  // Applied to every object before it is cached, to drop what no reader needs (empty: none).
  std::function<void(Json& object)> trim;
  // Told (on the informer's thread) when a list or a watch fails: `what` names the call ("watch
  // of deployments.apps/v1 in namespace team-a"), the error keeps its kind and the server's
  // message. Once per error: a retry failing the same way is not told again until a list or
  // watch has worked. A 410 Gone (only a relist) is not told. Empty: nobody is told.
  std::function<void(const std::string& what, const ApiError& error)> on_error;
};

struct InformerHandlers {
  std::function<void(const Json& object)> on_add;
  std::function<void(const Json& old_object, const Json& new_object)> on_update;
  std::function<void(const Json& object)> on_delete;
};

class Informer {
 public:
  // Values an object is indexed under (e.g. its namespace, its owners' uids).
  using IndexFunc = std::function<std::vector<std::string>(const Json& object)>;

  Informer(Cluster& cluster, base::Clock& clock, ResourceType type, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before start().
  void add_handlers(InformerHandlers handlers);
  void add_index(const std::string& name, IndexFunc index);

  void start();
  void stop();
  // True once the first list is in the cache.
  bool has_synced() const;
  // Waits (in real time, on a condition) for the first list; false after `timeout`.
  bool wait_for_sync(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // The last error of a list or watch (empty when the last one worked), for health reports.
  std::string last_error() const;

  std::optional<Json> get(const std::string& ns, const std::string& name) const;
  std::optional<Json> get(const std::string& key) const;
  // The resourceVersion the cache holds for `key` (nothing when it holds no such object), without
  // unpacking it.
  std::optional<std::string> cached_resource_version(const std::string& key) const;
  std::vector<Json> list(const std::string& ns = "") const;
  std::vector<Json> by_index(const std::string& index, const std::string& value) const;
  std::size_t size() const;
  // The resourceVersion the cache is at.
  std::string resource_version() const;
  // Lists after the first: a watch history gone (410 Gone) or a list that failed and was tried
  // again. A relist is normal once in a while; many mean the watches keep breaking.
  std::size_t relists() const { return lists_.load() > 0 ? lists_.load() - 1 : 0; }

  // Ready-made index functions.
  static std::vector<std::string> namespace_index(const Json& object);
  static std::vector<std::string> owner_uid_index(const Json& object);

 private:
  // An object as cached: packed, with its resourceVersion (compared on every event) at hand.
  struct Stored {
    std::string resource_version;
    std::vector<std::uint8_t> packed;
  };
  using StoredPtr = std::shared_ptr<const Stored>;
  static StoredPtr pack(const Json& object);
  static Json unpack(const Stored& stored);
  void run();
  bool list_into_cache();
  // Returns false when the informer stops.
  bool watch_once();
  void apply_event(const WatchEvent& event);
  // Records a failed list or watch as last_error() and tells on_error when it is new.
  void failed(const std::string& call, const ApiError& error);
  // What the informer follows, for messages: "deployments.apps/v1 in namespace team-a".
  std::string subject() const;
  // Each index's values for an object (index functions are set before start(): read unlocked).
  using IndexValues = std::vector<std::pair<std::string, std::vector<std::string>>>;
  IndexValues index_values(const Json& object) const;
  // `values` are the new object's; `old_object` what the key held (null: unpacked when needed).
  void store_locked(const std::string& key, StoredPtr stored, const IndexValues& values,
                    const Json* old_object);
  void erase_locked(const std::string& key, const Json* old_object);
  void run_resync();
  bool wait_backoff(int failures);

  Cluster& cluster_;
  base::Clock& clock_;
  ResourceType type_;
  InformerOptions options_;
  std::vector<InformerHandlers> handlers_;
  std::map<std::string, IndexFunc> index_funcs_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, StoredPtr> cache_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> indices_;
  std::string resource_version_;
  bool synced_ = false;
  bool stopping_ = false;
  std::string last_error_;
  std::string told_error_;  // the last error given to on_error; cleared when a call works
  std::unique_ptr<WatchStream> stream_;
  std::atomic<std::size_t> lists_{0};  // lists that filled the cache
  std::mt19937_64 random_;
  std::thread thread_;
  std::thread resync_thread_;
};

}  // namespace veer::kube
