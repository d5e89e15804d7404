#include "operator/kube/memory_cluster.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <set>

#include "base/time_format.hpp"
#include "operator/kube/label_selector.hpp"

namespace veer::kube {
namespace {

using ObjectPtr = std::shared_ptr<const Json>;

std::string group_resource(const ResourceType& t) {
  return t.resource + "." + t.group;
}

ApiError not_found(const ResourceInfo& info, const std::string& name) {
  return ApiError{ErrorType::NotFound, 404, "NotFound",
                  group_resource(info.type) + " \"" + name + "\" not found"};
}

ApiError conflict(const ResourceInfo& info, const std::string& name, const std::string& why) {
  return ApiError{ErrorType::Conflict, 409, "Conflict",
                  "Operation cannot be fulfilled on " + group_resource(info.type) + " \"" + name +
                      "\": " + why};
}

ApiError invalid(const ResourceInfo& info, const std::string& name, const std::string& why) {
  return ApiError{ErrorType::Invalid, 422, "Invalid",
                  info.type.kind + " \"" + name + "\" is invalid: " + why};
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return std::isalnum(static_cast<unsigned char>(name.front())) &&
         std::isalnum(static_cast<unsigned char>(name.back()));
}

// Everything but metadata (and status, where it is a subresource): what generation counts.
Json spec_part(const Json& object, bool has_status) {
  Json copy = object;
  copy.erase("metadata");
  if (has_status) copy.erase("status");
  return copy;
}

Json& metadata(Json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object())
    object["metadata"] = Json::object();
  return object["metadata"];
}

bool has_finalizers(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end()) return false;
  auto f = meta->find("finalizers");
  return f != meta->end() && f->is_array() && !f->empty();
}

bool is_deleting(const Json& object) {
  auto meta = object.find("metadata");
  return meta != object.end() && meta->contains("deletionTimestamp") &&
         !(*meta)["deletionTimestamp"].is_null();
}

std::vector<std::string> owner_uids(const Json& object) {
  std::vector<std::string> uids;
  auto meta = object.find("metadata");
  if (meta == object.end()) return uids;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return uids;
  for (const auto& r : *refs) uids.push_back(r.value("uid", ""));
  return uids;
}

// Leaf paths of an apply configuration (objects recurse; arrays and scalars are leaves), as JSON
// pointers. The identity fields belong to nobody.
void collect_leaves(const Json& value, const std::string& path, std::set<std::string>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) {
      std::string escaped;
      for (char c : key) escaped += c == '~' ? "~0" : (c == '/' ? "~1" : std::string(1, c));
      std::string child_path = path + "/" + escaped;
      if (child_path == "/apiVersion" || child_path == "/kind" || child_path == "/metadata/name" ||
          child_path == "/metadata/namespace" || child_path == "/metadata/resourceVersion")
        continue;
      collect_leaves(child, child_path, out);
    }
  } else {
    out.insert(path);
  }
}

const Json* at_pointer(const Json& object, const std::string& path) {
  Json::json_pointer pointer(path);
  if (!object.contains(pointer)) return nullptr;
  return &object.at(pointer);
}

struct Watcher {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<WatchEvent> queue;
  bool stopped = false;
  std::string type_key;
  std::string ns;
  std::string api_version;
  LabelSelector labels;
  FieldSelector fields;
  bool bookmarks = true;
  std::optional<base::Clock::TimePoint> deadline;

  bool accepts(const Json* object) const {
    if (object == nullptr) return false;
    if (!ns.empty() && namespace_of(*object) != ns) return false;
    return labels.matches(*object) && fields.matches(*object);
  }
  void push(WatchEvent event) {
    std::lock_guard guard(mutex);
    if (stopped) return;
    queue.push_back(std::move(event));
    cv.notify_all();
  }
  void stop() {
    std::lock_guard guard(mutex);
    stopped = true;
    queue.clear();
    cv.notify_all();
  }
};

class MemoryWatchStream final : public WatchStream {
 public:
  MemoryWatchStream(std::shared_ptr<Watcher> watcher, base::Clock& clock)
      : watcher_(std::move(watcher)), clock_(clock) {}
  ~MemoryWatchStream() override { watcher_->stop(); }

  std::optional<WatchEvent> next() override {
    std::unique_lock lock(watcher_->mutex);
    auto ready = [&] { return watcher_->stopped || !watcher_->queue.empty(); };
    if (watcher_->deadline)
      clock_.wait_until(lock, watcher_->cv, *watcher_->deadline, ready);
    else
      watcher_->cv.wait(lock, ready);
    if (watcher_->stopped || watcher_->queue.empty()) {
      watcher_->stopped = true;  // a timed-out watch is over
      return std::nullopt;
    }
    WatchEvent event = std::move(watcher_->queue.front());
    watcher_->queue.pop_front();
    return event;
  }
  void stop() override { watcher_->stop(); }

 private:
  std::shared_ptr<Watcher> watcher_;
  base::Clock& clock_;
};

struct HistoryEntry {
  std::int64_t rv;
  WatchEvent::Type type;
  ObjectPtr object;
  ObjectPtr old;  // the state before, for selector transitions
};

struct TypeStore {
  ResourceInfo info;
  std::map<std::string, ObjectPtr> objects;  // by key_of
  std::deque<HistoryEntry> history;
  std::int64_t compacted_rv = 0;  // events at or below this are gone from history
};

}  // namespace

struct MemoryCluster::State {
  base::Clock& clock;
  MemoryClusterOptions settings;
  mutable std::mutex mutex;
  std::int64_t rv = 1;
  std::uint64_t uid_counter = 0;
  std::map<std::string, TypeStore> stores;   // by "resource.group"
  std::map<std::string, std::string> kinds;  // "Kind.group" -> "resource.group"
  std::map<std::string, std::pair<std::string, std::string>> uids;  // uid -> (store, key)
  // Server-side apply: per object uid, the leaf fields each manager applied.
  std::map<std::string, std::map<std::string, std::set<std::string>>> managed;
  std::vector<std::weak_ptr<Watcher>> watchers;
  std::map<std::string, std::size_t> counts;
  std::map<std::string, std::pair<ApiError, int>> faults;

  State(base::Clock& c, MemoryClusterOptions o) : clock(c), settings(o) {}

  std::optional<ApiError> begin(const std::string& verb) {
    ++counts[verb];
    auto it = faults.find(verb);
    if (it == faults.end() || it->second.second <= 0) return std::nullopt;
    ApiError error = it->second.first;
    if (--it->second.second == 0) faults.erase(it);
    return error;
  }

  void add_type_locked(const ResourceInfo& info) {
    std::string key = group_resource(info.type);
    auto& store = stores[key];
    store.info = info;
    kinds[info.type.kind + "." + info.type.group] = key;
  }

  Result<TypeStore*> find_store(const ResourceType& type) {
    std::string key;
    if (!type.resource.empty()) {
      key = group_resource(type);
    } else {
      auto it = kinds.find(type.kind + "." + type.group);
      if (it != kinds.end()) key = it->second;
    }
    auto it = stores.find(key);
    if (key.empty() || it == stores.end())
      return ApiError{ErrorType::NotFound, 404, "NotFound",
                      "the server could not find the requested resource " + type.describe() +
                          " (is its CustomResourceDefinition installed?)"};
    return &it->second;
  }

  std::string new_uid() {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(++uid_counter));
    return buffer;
  }

  Json shown(const TypeStore& store, const Json& object) const {
    Json copy = object;
    copy["apiVersion"] = store.info.type.api_version();
    copy["kind"] = store.info.type.kind;
    return copy;
  }

  void record(TypeStore& store, WatchEvent::Type type, ObjectPtr object, ObjectPtr old) {
    store.history.push_back({rv, type, object, old});
    while (store.history.size() > settings.watch_history) {
      store.compacted_rv = store.history.front().rv;
      store.history.pop_front();
    }
    std::string key = group_resource(store.info.type);
    std::erase_if(watchers, [](const std::weak_ptr<Watcher>& w) { return w.expired(); });
    for (auto& weak : watchers) {
      auto w = weak.lock();
      if (!w || w->type_key != key) continue;
      deliver(*w, store, store.history.back());
    }
  }

  void deliver(Watcher& w, const TypeStore& store, const HistoryEntry& e) const {
    bool now = w.accepts(e.object.get());
    bool before = w.accepts(e.old.get());
    WatchEvent event;
    switch (e.type) {
      case WatchEvent::Type::Added:
        if (!now) return;
        event.type = WatchEvent::Type::Added;
        break;
      case WatchEvent::Type::Modified:
        if (now && before)
          event.type = WatchEvent::Type::Modified;
        else if (now)
          event.type = WatchEvent::Type::Added;
        else if (before)
          event.type = WatchEvent::Type::Deleted;
        else
          return;
        break;
      case WatchEvent::Type::Deleted:
        if (!now) return;
        event.type = WatchEvent::Type::Deleted;
        break;
      default:
        return;
    }
    event.object = shown(store, *e.object);
    event.object["apiVersion"] = w.api_version;
    w.push(std::move(event));
  }

  // Stores `object` (already checked) as the new state and tells the watches.
  ObjectPtr put(TypeStore& store, const std::string& key, Json object, ObjectPtr old) {
    ++rv;
    metadata(object)["resourceVersion"] = std::to_string(rv);
    auto stored = std::make_shared<const Json>(std::move(object));
    store.objects[key] = stored;
    uids[uid_of(*stored)] = {group_resource(store.info.type), key};
    record(store, old ? WatchEvent::Type::Modified : WatchEvent::Type::Added, stored, old);
    return stored;
  }

  void erase(TypeStore& store, const std::string& key) {
    auto it = store.objects.find(key);
    if (it == store.objects.end()) return;
    ObjectPtr old = it->second;
    store.objects.erase(it);
    std::string uid = uid_of(*old);
    uids.erase(uid);
    managed.erase(uid);
    ++rv;
    Json gone = *old;
    metadata(gone)["resourceVersion"] = std::to_string(rv);
    auto stored = std::make_shared<const Json>(std::move(gone));
    record(store, WatchEvent::Type::Deleted, stored, stored);
    collect_garbage(uid);
    if (store.info.type.kind == "Namespace") return;
    finish_namespace(namespace_of(*old));
  }

  // Background garbage collection: dependents whose owners are all gone are deleted.
  void collect_garbage(const std::string& owner_uid) {
    std::vector<std::pair<TypeStore*, std::string>> dependents;
    for (auto& [store_key, store] : stores)
      for (const auto& [key, object] : store.objects) {
        auto owners = owner_uids(*object);
        if (std::find(owners.begin(), owners.end(), owner_uid) == owners.end()) continue;
        bool other_owner_alive = std::any_of(owners.begin(), owners.end(), [&](const auto& u) {
          return u != owner_uid && uids.count(u) > 0;
        });
        if (!other_owner_alive) dependents.emplace_back(&store, key);
      }
    for (auto& [store, key] : dependents) remove_locked(*store, key, {});
  }

  void orphan_dependents(const std::string& owner_uid) {
    for (auto& [store_key, store] : stores) {
      std::vector<std::string> keys;
      for (const auto& [key, object] : store.objects) {
        auto owners = owner_uids(*object);
        if (std::find(owners.begin(), owners.end(), owner_uid) != owners.end()) keys.push_back(key);
      }
      for (const auto& key : keys) {
        ObjectPtr old = store.objects[key];
        Json changed = *old;
        auto& refs = metadata(changed)["ownerReferences"];
        Json kept = Json::array();
        for (const auto& r : refs)
          if (r.value("uid", "") != owner_uid) kept.push_back(r);
        if (kept.empty())
          metadata(changed).erase("ownerReferences");
        else
          refs = kept;
        put(store, key, std::move(changed), old);
      }
    }
  }

  // A terminating namespace goes once it is empty.
  void finish_namespace(const std::string& ns) {
    if (ns.empty()) return;
    auto store = find_store(ResourceType{"", "v1", "namespaces", ""});
    if (!store) return;
    auto it = (*store)->objects.find(ns);
    if (it == (*store)->objects.end() || !is_deleting(*it->second)) return;
    for (const auto& [key, s] : stores)
      for (const auto& [k, object] : s.objects)
        if (namespace_of(*object) == ns) return;
    erase(**store, ns);
  }

  Status remove_locked(TypeStore& store, const std::string& key, const DeleteOptions& options) {
    auto it = store.objects.find(key);
    if (it == store.objects.end()) return not_found(store.info, split_key(key).second);
    ObjectPtr old = it->second;
    std::string name = name_of(*old);
    if (options.precondition_uid && *options.precondition_uid != uid_of(*old))
      return conflict(store.info, name,
                      "Precondition failed: UID in precondition: " + *options.precondition_uid +
                          ", UID in object meta: " + uid_of(*old));
    if (options.precondition_resource_version &&
        *options.precondition_resource_version != resource_version_of(*old))
      return conflict(store.info, name,
                      "Precondition failed: ResourceVersion in precondition: " +
                          *options.precondition_resource_version +
                          ", ResourceVersion in object meta: " + resource_version_of(*old));
    std::string uid = uid_of(*old);
    if (options.propagation_policy == "Orphan") orphan_dependents(uid);
    if (store.info.type.kind == "Namespace") {
      mark_deleting(store, key, old);
      for (auto& [k, s] : stores) {
        std::vector<std::string> keys;
        for (const auto& [object_key, object] : s.objects)
          if (namespace_of(*object) == key) keys.push_back(object_key);
        for (const auto& object_key : keys) remove_locked(s, object_key, {});
      }
      finish_namespace(key);
      return Empty{};
    }
    if (options.propagation_policy == "Foreground") {
      // Dependents first; the owner waits for them as it would behind foregroundDeletion.
      collect_garbage_of_foreground(uid);
      it = store.objects.find(key);
      if (it == store.objects.end()) return Empty{};
      old = it->second;
    }
    if (has_finalizers(*old)) {
      if (!is_deleting(*old)) mark_deleting(store, key, old);
      return Empty{};
    }
    erase(store, key);
    return Empty{};
  }

  void collect_garbage_of_foreground(const std::string& owner_uid) {
    std::vector<std::pair<TypeStore*, std::string>> dependents;
    for (auto& [store_key, store] : stores)
      for (const auto& [key, object] : store.objects) {
        auto owners = owner_uids(*object);
        if (std::find(owners.begin(), owners.end(), owner_uid) != owners.end())
          dependents.emplace_back(&store, key);
      }
    for (auto& [store, key] : dependents) remove_locked(*store, key, {});
  }

  void mark_deleting(TypeStore& store, const std::string& key, ObjectPtr old) {
    Json changed = *old;
    auto& meta = metadata(changed);
    meta["deletionTimestamp"] = base::format_time(clock.now());
    meta["deletionGracePeriodSeconds"] = 0;
    if (meta.contains("generation"))
      meta["generation"] = meta["generation"].get<std::int64_t>() + 1;
    if (store.info.type.kind == "Namespace") changed["status"]["phase"] = "Terminating";
    put(store, key, std::move(changed), old);
  }

  // The one write path of update, update_status and patch: checks the resourceVersion, keeps
  // what the caller may not change, bumps generation on spec changes, and completes a deletion
  // whose last finalizer went.
  Result<Json> write(TypeStore& store, Json desired, bool status_only) {
    const ResourceInfo& info = store.info;
    std::string name = name_of(desired);
    std::string ns = info.namespaced ? namespace_of(desired) : "";
    if (info.namespaced && ns.empty()) ns = "default";
    std::string key = key_of(ns, name);
    auto it = store.objects.find(key);
    if (it == store.objects.end()) return not_found(info, name);
    ObjectPtr old = it->second;
    std::string wanted_rv = resource_version_of(desired);
    if (!wanted_rv.empty() && wanted_rv != resource_version_of(*old))
      return conflict(info, name,
                      "the object has been modified; please apply your changes to the latest "
                      "version and try again");
    std::string wanted_uid = uid_of(desired);
    if (!wanted_uid.empty() && wanted_uid != uid_of(*old))
      return conflict(info, name,
                      "Precondition failed: UID in precondition: " + wanted_uid +
                          ", UID in object meta: " + uid_of(*old));
    Json next;
    if (status_only) {
      next = *old;
      if (desired.contains("status"))
        next["status"] = desired["status"];
      else
        next.erase("status");
    } else {
      next = desired;
      if (info.has_status) {
        if (old->contains("status"))
          next["status"] = (*old)["status"];
        else
          next.erase("status");
      }
      auto& meta = metadata(next);
      const auto& old_meta = (*old)["metadata"];
      for (const char* kept : {"uid", "creationTimestamp", "deletionTimestamp",
                               "deletionGracePeriodSeconds", "generation"}) {
        if (old_meta.contains(kept))
          meta[kept] = old_meta[kept];
        else
          meta.erase(kept);
      }
      meta["name"] = name;
      if (info.namespaced) meta["namespace"] = ns;
      if (is_deleting(*old) && meta.contains("finalizers")) {
        // A deleting object may lose finalizers but not gain new ones.
        Json kept = Json::array();
        Json before = old_meta.value("finalizers", Json::array());
        for (const auto& f : meta["finalizers"])
          if (std::find(before.begin(), before.end(), f) != before.end()) kept.push_back(f);
        meta["finalizers"] = kept;
      }
      if (meta.contains("finalizers") && meta["finalizers"].empty()) meta.erase("finalizers");
      if (spec_part(next, info.has_status) != spec_part(*old, info.has_status) &&
          meta.contains("generation"))
        meta["generation"] = meta["generation"].get<std::int64_t>() + 1;
    }
    next["apiVersion"] = (*old)["apiVersion"];
    next["kind"] = info.type.kind;
    metadata(next)["resourceVersion"] = resource_version_of(*old);
    if (next == *old) return shown(store, *old);  // no change: no new version, no event
    if (is_deleting(next) && !has_finalizers(next)) {
      erase(store, key);
      Json gone = next;
      return shown(store, gone);
    }
    return shown(store, *put(store, key, std::move(next), old));
  }

  Result<Json> create_locked(const Json& input) {
    auto found = find_store(type_of(input));
    if (!found) return found.error();
    TypeStore& store = **found;
    const ResourceInfo& info = store.info;
    Json object = input;
    auto& meta = metadata(object);
    std::string name = meta.value("name", "");
    if (name.empty() && meta.contains("generateName")) {
      char suffix[8];
      std::snprintf(suffix, sizeof suffix, "%05llx",
                    static_cast<unsigned long long>(uid_counter * 7919 % 0xfffff));
      name = meta["generateName"].get<std::string>() + suffix;
    }
    if (name.empty())
      return invalid(info, "", "metadata.name: Required value: name or generateName is required");
    if (!valid_name(name))
      return invalid(info, name,
                     "metadata.name: Invalid value: \"" + name +
                         "\": a lowercase RFC 1123 subdomain must consist of lower case "
                         "alphanumeric characters, '-' or '.'");
    meta["name"] = name;
    std::string ns;
    if (info.namespaced) {
      ns = meta.value("namespace", "");
      if (ns.empty()) ns = "default";
      meta["namespace"] = ns;
      if (settings.require_namespaces) {
        auto namespaces = find_store(ResourceType{"", "v1", "namespaces", ""});
        auto nit = (*namespaces)->objects.find(ns);
        if (nit == (*namespaces)->objects.end())
          return ApiError{ErrorType::NotFound, 404, "NotFound",
                          "namespaces \"" + ns + "\" not found"};
        if (is_deleting(*nit->second))
          return ApiError{ErrorType::Forbidden, 403, "Forbidden",
                          info.type.resource + " \"" + name +
                              "\" is forbidden: unable to create new content in namespace " + ns +
                              " because it is being terminated"};
      }
    } else {
      meta.erase("namespace");
    }
    std::string key = key_of(ns, name);
    if (store.objects.count(key))
      return ApiError{ErrorType::AlreadyExists, 409, "AlreadyExists",
                      group_resource(info.type) + " \"" + name + "\" already exists"};
    if (!meta.value("resourceVersion", "").empty())
      return ApiError{ErrorType::BadRequest, 400, "BadRequest",
                      "resourceVersion should not be set on objects to be created"};
    meta["uid"] = new_uid();
    meta["creationTimestamp"] = base::format_time(clock.now());
    meta["generation"] = 1;
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
    if (meta.contains("finalizers") && meta["finalizers"].empty()) meta.erase("finalizers");
    if (info.has_status) object.erase("status");
    object["apiVersion"] = info.type.api_version();
    object["kind"] = info.type.kind;
    if (info.type.kind == "CustomResourceDefinition") serve_crd(object);
    if (info.type.kind == "Namespace") object["status"] = {{"phase", "Active"}};
    return shown(store, *put(store, key, std::move(object), nullptr));
  }

  void serve_crd(Json& crd) {
    const Json& spec = crd["spec"];
    std::string group = spec.value("group", "");
    Json names = spec.value("names", Json::object());
    bool namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    if (spec.contains("versions"))
      for (const auto& v : spec["versions"]) {
        bool has_status = v.contains("subresources") && v["subresources"].contains("status");
        add_type_locked(
            ResourceInfo{ResourceType{group, v.value("name", ""), names.value("plural", ""),
                                      names.value("kind", "")},
                         namespaced, has_status});
      }
    crd["status"] = {{"conditions", Json::array({{{"type", "Established"}, {"status", "True"}},
                                                 {{"type", "NamesAccepted"}, {"status", "True"}}})},
                     {"acceptedNames", names}};
  }

  Result<Json> apply_locked(TypeStore& store, const ObjectRef& ref, const Json& config,
                            const PatchOptions& options) {
    std::string key =
        key_of(store.info.namespaced ? (ref.ns.empty() ? "default" : ref.ns) : "", ref.name);
    std::set<std::string> leaves;
    collect_leaves(config, "", leaves);
    auto it = store.objects.find(key);
    if (it == store.objects.end()) {
      if (options.status) return not_found(store.info, ref.name);
      Json object = config;
      metadata(object)["name"] = ref.name;
      if (store.info.namespaced) metadata(object)["namespace"] = split_key(key).first;
      auto created = create_locked(object);
      if (created) managed[uid_of(*created)][options.field_manager] = leaves;
      return created;
    }
    const Json& current = *it->second;
    auto& owners = managed[uid_of(current)];
    std::vector<std::string> conflicts;
    for (const auto& path : leaves) {
      const Json* have = at_pointer(current, path);
      const Json* want = at_pointer(config, path);
      if (have == nullptr || want == nullptr || *have == *want) continue;
      for (const auto& [manager, fields] : owners)
        if (manager != options.field_manager && fields.count(path))
          conflicts.push_back("conflict with \"" + manager + "\": " + path);
    }
    if (!conflicts.empty() && !options.force) {
      std::string message = "Apply failed with " + std::to_string(conflicts.size()) + " conflict" +
                            (conflicts.size() == 1 ? "" : "s") + ": ";
      for (std::size_t i = 0; i < conflicts.size(); ++i) message += (i ? "; " : "") + conflicts[i];
      return ApiError{ErrorType::Conflict, 409, "Conflict", message};
    }
    Json next = current;
    // Fields this manager applied before and no longer applies are removed, unless shared.
    for (const auto& path : owners[options.field_manager]) {
      if (leaves.count(path)) continue;
      bool shared = std::any_of(owners.begin(), owners.end(), [&](const auto& entry) {
        return entry.first != options.field_manager && entry.second.count(path);
      });
      Json::json_pointer pointer(path);
      if (!shared && next.contains(pointer)) next[pointer.parent_pointer()].erase(pointer.back());
    }
    Json body = config;
    body.erase("apiVersion");
    body.erase("kind");
    next.merge_patch(body);
    metadata(next)["resourceVersion"] =
        config.contains("metadata") ? config["metadata"].value("resourceVersion", "") : "";
    auto written = write(store, std::move(next), options.status);
    if (!written) return written;
    for (auto& [manager, fields] : owners)
      if (manager != options.field_manager)
        for (const auto& path : leaves) {
          const Json* want = at_pointer(config, path);
          const Json* had = at_pointer(current, path);
          if (want && (!had || *had != *want)) fields.erase(path);
        }
    owners[options.field_manager] = leaves;
    return written;
  }
};

MemoryCluster::MemoryCluster(base::Clock& clock, MemoryClusterOptions options)
    : state_(std::make_unique<State>(clock, options)) {
  const std::vector<ResourceInfo> builtin = {
      {{"", "v1", "namespaces", "Namespace"}, false, true},
      {{"", "v1", "pods", "Pod"}, true, true},
      {{"", "v1", "services", "Service"}, true, true},
      {{"", "v1", "endpoints", "Endpoints"}, true, false},
      {{"", "v1", "configmaps", "ConfigMap"}, true, false},
      {{"", "v1", "secrets", "Secret"}, true, false},
      {{"", "v1", "serviceaccounts", "ServiceAccount"}, true, false},
      {{"", "v1", "events", "Event"}, true, false},
      {{"apps", "v1", "deployments", "Deployment"}, true, true},
      {{"apps", "v1", "replicasets", "ReplicaSet"}, true, true},
      {{"apps", "v1", "statefulsets", "StatefulSet"}, true, true},
      {{"apps", "v1", "daemonsets", "DaemonSet"}, true, true},
      {{"coordination.k8s.io", "v1", "leases", "Lease"}, true, false},
      {{"networking.k8s.io", "v1", "ingresses", "Ingress"}, true, true},
      {{"events.k8s.io", "v1", "events", "Event"}, true, false},
      {{"autoscaling", "v2beta2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
       true,
       true},
      {{"policy", "v1beta1", "poddisruptionbudgets", "PodDisruptionBudget"}, true, true},
      {{"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition"},
       false,
       true},
  };
  std::lock_guard guard(state_->mutex);
  for (const auto& info : builtin) state_->add_type_locked(info);
  for (const char* ns : {"default", "kube-system", "kube-public"})
    state_->create_locked(
        Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
}

MemoryCluster::~MemoryCluster() {
  close_watches();
}

void MemoryCluster::add_type(const ResourceInfo& info) {
  std::lock_guard guard(state_->mutex);
  state_->add_type_locked(info);
}

Result<ResourceInfo> MemoryCluster::resolve(const ResourceType& type) {
  std::lock_guard guard(state_->mutex);
  auto store = state_->find_store(type);
  if (!store) return store.error();
  ResourceInfo info = (*store)->info;
  info.type.version = type.version;
  return info;
}

Result<Json> MemoryCluster::get(const ObjectRef& ref) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("get")) return *fault;
  auto store = state_->find_store(ref.type);
  if (!store) return store.error();
  auto& s = **store;
  auto it = s.objects.find(key_of(s.info.namespaced ? ref.ns : "", ref.name));
  if (it == s.objects.end()) return not_found(s.info, ref.name);
  return state_->shown(s, *it->second);
}

Result<ObjectList> MemoryCluster::list(const ResourceType& type, const std::string& ns,
                                       const ListOptions& options) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("list")) return *fault;
  auto store = state_->find_store(type);
  if (!store) return store.error();
  auto labels = LabelSelector::parse(options.label_selector);
  if (!labels) return labels.error();
  auto fields = FieldSelector::parse(options.field_selector);
  if (!fields) return fields.error();
  auto& s = **store;
  ObjectList out;
  out.resource_version = std::to_string(state_->rv);
  auto it = options.continue_token.empty() ? s.objects.begin()
                                           : s.objects.upper_bound(options.continue_token);
  for (; it != s.objects.end(); ++it) {
    const Json& object = *it->second;
    if (!ns.empty() && namespace_of(object) != ns) continue;
    if (!labels->matches(object) || !fields->matches(object)) continue;
    if (options.limit > 0 && static_cast<std::int64_t>(out.items.size()) == options.limit) {
      out.continue_token = key_of(out.items.back());
      break;
    }
    Json shown = state_->shown(s, object);
    shown["apiVersion"] = type.api_version();
    out.items.push_back(std::move(shown));
  }
  return out;
}

Result<Json> MemoryCluster::create(const Json& object) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("create")) return *fault;
  return state_->create_locked(object);
}

Result<Json> MemoryCluster::update(const Json& object) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("update")) return *fault;
  auto store = state_->find_store(type_of(object));
  if (!store) return store.error();
  return state_->write(**store, object, false);
}

Result<Json> MemoryCluster::update_status(const Json& object) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("update")) return *fault;
  auto store = state_->find_store(type_of(object));
  if (!store) return store.error();
  if (!(*store)->info.has_status) return not_found((*store)->info, name_of(object) + "/status");
  return state_->write(**store, object, true);
}

Result<Json> MemoryCluster::patch(const ObjectRef& ref, PatchType type, const Json& patch,
                                  const PatchOptions& options) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("patch")) return *fault;
  auto store = state_->find_store(ref.type);
  if (!store) return store.error();
  auto& s = **store;
  if (options.status && !s.info.has_status) return not_found(s.info, ref.name + "/status");
  if (type == PatchType::Apply) {
    if (!patch.is_object())
      return ApiError{ErrorType::BadRequest, 400, "BadRequest", "an apply patch is an object"};
    return state_->apply_locked(s, ref, patch, options);
  }
  auto it = s.objects.find(key_of(s.info.namespaced ? ref.ns : "", ref.name));
  if (it == s.objects.end()) return not_found(s.info, ref.name);
  Json next = *it->second;
  metadata(next)["resourceVersion"] = "";
  try {
    if (type == PatchType::Merge) {
      if (!patch.is_object())
        return ApiError{ErrorType::BadRequest, 400, "BadRequest",
                        "a JSON merge patch is an object"};
      next.merge_patch(patch);
    } else {
      Json patched = next;
      metadata(patched)["resourceVersion"] = resource_version_of(*it->second);
      patched = patched.patch(patch);
      // A JSON patch may test or set the resourceVersion: keep what it left.
      next = std::move(patched);
      if (resource_version_of(next) == resource_version_of(*it->second))
        metadata(next)["resourceVersion"] = "";
    }
  } catch (const nlohmann::json::exception& e) {
    return ApiError{ErrorType::Invalid, 422, "Invalid",
                    "the patch for " + ref.describe() + " does not apply: " + e.what()};
  }
  return state_->write(s, std::move(next), options.status);
}

Status MemoryCluster::remove(const ObjectRef& ref, const DeleteOptions& options) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("delete")) return *fault;
  auto store = state_->find_store(ref.type);
  if (!store) return store.error();
  auto& s = **store;
  return state_->remove_locked(s, key_of(s.info.namespaced ? ref.ns : "", ref.name), options);
}

Result<std::unique_ptr<WatchStream>> MemoryCluster::watch(const ResourceType& type,
                                                          const std::string& ns,
                                                          const WatchOptions& options) {
  std::lock_guard guard(state_->mutex);
  if (auto fault = state_->begin("watch")) return *fault;
  auto store = state_->find_store(type);
  if (!store) return store.error();
  auto labels = LabelSelector::parse(options.label_selector);
  if (!labels) return labels.error();
  auto fields = FieldSelector::parse(options.field_selector);
  if (!fields) return fields.error();
  auto& s = **store;
  auto w = std::make_shared<Watcher>();
  w->type_key = group_resource(s.info.type);
  w->ns = ns;
  w->api_version = type.api_version();
  w->labels = *labels;
  w->fields = *fields;
  w->bookmarks = options.allow_bookmarks;
  if (options.timeout.count() > 0) w->deadline = state_->clock.now() + options.timeout;
  const std::string& from = options.resource_version;
  if (from.empty() || from == "0") {
    for (const auto& [key, object] : s.objects)
      if (w->accepts(object.get())) {
        Json shown = state_->shown(s, *object);
        shown["apiVersion"] = w->api_version;
        w->queue.push_back({WatchEvent::Type::Added, std::move(shown)});
      }
  } else {
    auto since = compare_resource_versions(from, "0");
    std::int64_t rv = since ? std::stoll(from) : -1;
    if (rv < s.compacted_rv) {
      w->queue.push_back({WatchEvent::Type::Error,
                          Json{{"kind", "Status"},
                               {"apiVersion", "v1"},
                               {"status", "Failure"},
                               {"reason", "Expired"},
                               {"code", 410},
                               {"message", "too old resource version: " + from + " (" +
                                               std::to_string(s.compacted_rv + 1) + ")"}}});
    } else {
      for (const auto& e : s.history)
        if (e.rv > rv) state_->deliver(*w, s, e);
    }
  }
  state_->watchers.push_back(w);
  return std::unique_ptr<WatchStream>(new MemoryWatchStream(w, state_->clock));
}

void MemoryCluster::send_bookmarks() {
  std::lock_guard guard(state_->mutex);
  for (auto& weak : state_->watchers) {
    auto w = weak.lock();
    if (!w || !w->bookmarks) continue;
    auto store = state_->stores.find(w->type_key);
    w->push({WatchEvent::Type::Bookmark,
             Json{{"kind", store->second.info.type.kind},
                  {"apiVersion", w->api_version},
                  {"metadata", {{"resourceVersion", std::to_string(state_->rv)}}}}});
  }
}

void MemoryCluster::close_watches() {
  std::lock_guard guard(state_->mutex);
  for (auto& weak : state_->watchers)
    if (auto w = weak.lock()) w->stop();
  state_->watchers.clear();
}

void MemoryCluster::compact() {
  std::lock_guard guard(state_->mutex);
  for (auto& [key, store] : state_->stores) {
    store.history.clear();
    store.compacted_rv = state_->rv;
  }
}

void MemoryCluster::fail_next(const std::string& verb, ApiError error, int count) {
  std::lock_guard guard(state_->mutex);
  state_->faults[verb] = {std::move(error), count};
}

std::map<std::string, std::size_t> MemoryCluster::request_counts() const {
  std::lock_guard guard(state_->mutex);
  return state_->counts;
}

std::size_t MemoryCluster::total_requests() const {
  std::size_t total = 0;
  for (const auto& [verb, n] : request_counts()) total += n;
  return total;
}

std::size_t MemoryCluster::open_watches() const {
  std::lock_guard guard(state_->mutex);
  std::size_t n = 0;
  for (const auto& weak : state_->watchers)
    if (auto w = weak.lock()) {
      std::lock_guard wg(w->mutex);
      if (!w->stopped) ++n;
    }
  return n;
}

}  // namespace veer::kube
