#include "operator/kube/informer.hpp"

#include <algorithm>
#include <functional>

#include "base/backoff.hpp"
#include "operator/kube/packed_json.hpp"

namespace veer::kube {
namespace {

// Refused: the watch is not allowed (403) while the list was; the cache is kept current by
// listing again after each backoff instead, so it never stays at its first list.
enum class WatchEnd { Stopped, Ended, Gone, Failed, Refused };

WatchEnd failed_watch(const ApiError& error) {
  if (error.is(ErrorType::Gone) || error.code == 410) return WatchEnd::Gone;
  if (error.is(ErrorType::Forbidden) || error.code == 403) return WatchEnd::Refused;
  return WatchEnd::Failed;
}

}  // namespace

Informer::Informer(Cluster& cluster, base::Clock& clock, ResourceType type, InformerOptions options)
    : cluster_(cluster),
      clock_(clock),
      type_(std::move(type)),
      options_(std::move(options)),
      random_(options_.seed) {}

Informer::~Informer() {
  stop();
}

void Informer::add_handlers(InformerHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void Informer::add_index(const std::string& name, IndexFunc index) {
  std::lock_guard guard(mutex_);
  index_funcs_[name] = std::move(index);
  for (const auto& [key, stored] : cache_)
    for (const auto& value : index_funcs_[name](unpack(*stored))) indices_[name][value].insert(key);
}

Informer::StoredPtr Informer::pack(const Json& object) {
  auto stored = std::make_shared<Stored>();
  stored->resource_version = resource_version_of(object);
  stored->packed = Json::to_msgpack(object);
  stored->packed.shrink_to_fit();
  return stored;
}

Json Informer::unpack(const Stored& stored) {
  return unpack_json(stored.packed);
}

void Informer::start() {
  thread_ = std::thread([this] { run(); });
  if (options_.resync > base::Clock::Duration::zero())
    resync_thread_ = std::thread([this] { run_resync(); });
}

void Informer::stop() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
    if (stream_) stream_->stop();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool Informer::has_synced() const {
  std::lock_guard guard(mutex_);
  return synced_;
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return synced_ || stopping_; }) && synced_;
}

std::string Informer::last_error() const {
  std::lock_guard guard(mutex_);
  return last_error_;
}

std::optional<Json> Informer::get(const std::string& ns, const std::string& name) const {
  return get(key_of(ns, name));
}

std::optional<Json> Informer::get(const std::string& key) const {
  std::lock_guard guard(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return unpack(*it->second);
}

std::optional<std::string> Informer::cached_resource_version(const std::string& key) const {
  std::lock_guard guard(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second->resource_version;
}

std::vector<Json> Informer::list(const std::string& ns) const {
  std::lock_guard guard(mutex_);
  std::vector<Json> out;
  const std::string prefix = ns + "/";  // keys are "<ns>/<name>" (key_of)
  for (const auto& [key, stored] : cache_)
    if (ns.empty() || key.compare(0, prefix.size(), prefix) == 0) out.push_back(unpack(*stored));
  return out;
}

std::vector<Json> Informer::by_index(const std::string& index, const std::string& value) const {
  std::lock_guard guard(mutex_);
  std::vector<Json> out;
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) out.push_back(unpack(*cache_.at(key)));
  return out;
}

std::size_t Informer::size() const {
  std::lock_guard guard(mutex_);
  return cache_.size();
}

std::string Informer::resource_version() const {
  std::lock_guard guard(mutex_);
  return resource_version_;
}

std::vector<std::string> Informer::namespace_index(const Json& object) {
  return {namespace_of(object)};
}

std::vector<std::string> Informer::owner_uid_index(const Json& object) {
  std::vector<std::string> out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->contains("ownerReferences")) return out;
  for (const auto& ref : (*meta)["ownerReferences"]) out.push_back(ref.value("uid", ""));
  return out;
}

Informer::IndexValues Informer::index_values(const Json& object) const {
  IndexValues values;
  for (const auto& [name, func] : index_funcs_) values.emplace_back(name, func(object));
  return values;
}

void Informer::store_locked(const std::string& key, StoredPtr stored, const IndexValues& values,
                            const Json* old_object) {
  erase_locked(key, old_object);
  for (const auto& [name, keys] : values)
    for (const auto& value : keys) indices_[name][value].insert(key);
  cache_[key] = std::move(stored);
}

void Informer::erase_locked(const std::string& key, const Json* old_object) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  if (!index_funcs_.empty()) {
    const Json old = old_object ? Json() : unpack(*it->second);
    for (const auto& [name, func] : index_funcs_)
      for (const auto& value : func(old_object ? *old_object : old)) {
        auto& keys = indices_[name][value];
        keys.erase(key);
        if (keys.empty()) indices_[name].erase(value);
      }
  }
  cache_.erase(it);
}

void Informer::run() {
  int failures = 0;
  bool watch_refused = false;  // polling by list: the backoff keeps growing up to its cap
  while (true) {
    {
      std::lock_guard guard(mutex_);
      if (stopping_) return;
    }
    if (!list_into_cache()) {
      if (!wait_backoff(++failures)) return;
      continue;
    }
    if (!watch_refused) failures = 0;
    watch_refused = false;
    bool relist = false;
    while (!relist) {
      auto started = clock_.now();
      std::size_t events = 0;
      WatchEnd end = WatchEnd::Failed;
      {
        WatchOptions watch_options;
        watch_options.resource_version = resource_version();
        watch_options.label_selector = options_.label_selector;
        watch_options.field_selector = options_.field_selector;
        watch_options.allow_bookmarks = true;
        watch_options.timeout = options_.watch_timeout;
        auto opened = cluster_.watch(type_, options_.ns, watch_options);
        if (!opened) {
          failed("watch", opened.error());
          end = failed_watch(opened.error());
        } else {
          WatchStream* stream = nullptr;
          {
            std::lock_guard guard(mutex_);
            if (stopping_) return;
            stream_ = std::move(*opened);
            stream = stream_.get();
            last_error_.clear();
            told_error_.clear();  // the watch works: a later failure is news again
          }
          end = WatchEnd::Ended;
          while (auto event = stream->next()) {
            if (event->type == WatchEvent::Type::Error) {
              // Read through error_from_status: a Status of any shape, never an exception.
              auto error = error_from_status(0, event->object, "");
              if (error.message.empty())
                error.message = event->object.dump(-1, ' ', false, Json::error_handler_t::replace);
              failed("watch", error);
              end = failed_watch(error);
              break;
            }
            ++events;
            apply_event(*event);
          }
          std::lock_guard guard(mutex_);
          stream_.reset();
          if (stopping_) return;
        }
      }
      switch (end) {
        case WatchEnd::Stopped:
          return;
        case WatchEnd::Gone:
          relist = true;
          break;
        case WatchEnd::Ended:
          // A watch that ran its course starts again at once; one the server closed early
          // without news counts as a failure, so a flapping server is not hammered.
          if (events > 0 || clock_.now() - started >= options_.watch_timeout / 2) {
            failures = 0;
            break;
          }
          [[fallthrough]];
        case WatchEnd::Failed:
          if (!wait_backoff(++failures)) return;
          break;
        case WatchEnd::Refused:
          if (!wait_backoff(++failures)) return;
          relist = watch_refused = true;
          break;
      }
    }
  }
}

bool Informer::list_into_cache() {
  // Each page is packed as it arrives, so one page is all that is ever held parsed at once.
  struct Listed {
    std::string key;
    StoredPtr stored;
    IndexValues index_values;
  };
  std::vector<Listed> items;
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  std::string list_rv;
  while (true) {
    auto page = cluster_.list(type_, options_.ns, list_options);
    if (!page) {
      failed("list", page.error());
      if (page.is(ErrorType::Gone) && !list_options.continue_token.empty()) {
        // The continue token expired: start the list over.
        items.clear();
        list_options.continue_token.clear();
        continue;
      }
      return false;
    }
    for (auto& item : page->items) {
      if (!item.contains("apiVersion")) item["apiVersion"] = type_.api_version();
      if (!item.contains("kind") && !type_.kind.empty()) item["kind"] = type_.kind;
      if (options_.trim) options_.trim(item);
      items.push_back({key_of(item), pack(item), index_values(item)});
    }
    if (list_rv.empty()) list_rv = page->resource_version;
    if (page->continue_token.empty()) break;
    list_options.continue_token = page->continue_token;
  }

  struct Change {
    StoredPtr old_object;
    StoredPtr new_object;
  };
  std::vector<Change> changes;
  {
    std::lock_guard guard(mutex_);
    std::set<std::string> seen;
    for (auto& item : items) {
      seen.insert(item.key);
      auto it = cache_.find(item.key);
      StoredPtr old = it == cache_.end() ? nullptr : it->second;
      const auto& rv = item.stored->resource_version;
      if (old && old->resource_version == rv) continue;
      if (old && compare_resource_versions(rv, old->resource_version) == -1)
        continue;  // never step back
      store_locked(item.key, item.stored, item.index_values, nullptr);
      changes.push_back({old, item.stored});
    }
    std::vector<std::string> gone;
    for (const auto& [key, object] : cache_)
      if (!seen.count(key)) gone.push_back(key);
    for (const auto& key : gone) {
      changes.push_back({cache_[key], nullptr});
      erase_locked(key, nullptr);
    }
    resource_version_ = list_rv;
    ++lists_;
    synced_ = true;
    last_error_.clear();
    // A list that works makes a later list failure news again; a refused watch polled around
    // by lists stays told until a watch works.
    if (told_error_.rfind("list", 0) == 0) told_error_.clear();
    changed_.notify_all();
  }
  items.clear();
  for (const auto& change : changes) {
    const Json new_object = change.new_object ? unpack(*change.new_object) : Json();
    const Json old_object = change.old_object ? unpack(*change.old_object) : Json();
    for (const auto& h : handlers_) {
      if (!change.old_object) {
        if (h.on_add) h.on_add(new_object);
      } else if (!change.new_object) {
        if (h.on_delete) h.on_delete(old_object);
      } else if (h.on_update) {
        h.on_update(old_object, new_object);
      }
    }
  }
  return true;
}

void Informer::apply_event(const WatchEvent& event) {
  std::string rv = resource_version_of(event.object);
  if (event.type == WatchEvent::Type::Bookmark) {
    std::lock_guard guard(mutex_);
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  std::string key = key_of(event.object);
  Json object = event.object;
  if (options_.trim) options_.trim(object);
  auto stored = pack(object);
  const auto values = index_values(object);
  std::optional<Json> old;
  {
    std::lock_guard guard(mutex_);
    auto it = cache_.find(key);
    if (!rv.empty()) resource_version_ = rv;
    if (it != cache_.end() && event.type != WatchEvent::Type::Deleted &&
        compare_resource_versions(rv, it->second->resource_version).value_or(1) <= 0)
      return;  // an older or equal state than the cache has
    if (it != cache_.end()) old = unpack(*it->second);
    if (event.type == WatchEvent::Type::Deleted) {
      if (!old) return;
      erase_locked(key, &*old);
    } else {
      store_locked(key, std::move(stored), values, old ? &*old : nullptr);
    }
  }
  for (const auto& h : handlers_) {
    if (event.type == WatchEvent::Type::Deleted) {
      if (h.on_delete) h.on_delete(object);
    } else if (old) {
      if (h.on_update) h.on_update(*old, object);
    } else if (h.on_add) {
      h.on_add(object);
    }
  }
}

// Each period every cached object once, spread over it: the period is cut into one-second
// slots and a key's slot is fixed by its hash, so a cache of 10,000 Canaries puts about 33 a
// second in the work queue instead of all of them at one moment, where they would hold back the
// steps falling due then. Each slot looks at the cache as it is then (objects listed after the
// period began are in it).
void Informer::run_resync() {
  constexpr auto kSlot = std::chrono::seconds(1);
  const auto slots = static_cast<std::size_t>(std::max<std::int64_t>(
      1, options_.resync / std::chrono::duration_cast<base::Clock::Duration>(kSlot)));
  const auto slot_length = options_.resync / static_cast<std::int64_t>(slots);
  const std::hash<std::string> hash;
  auto period_start = clock_.now();
  while (true) {
    for (std::size_t slot = 0; slot < slots; ++slot) {
      std::vector<StoredPtr> objects;
      {
        std::unique_lock lock(mutex_);
        const auto deadline = period_start + slot_length * static_cast<std::int64_t>(slot + 1);
        clock_.wait_until(lock, changed_, deadline, [this] { return stopping_; });
        if (stopping_) return;
        for (const auto& [key, object] : cache_)
          if (hash(key) % slots == slot) objects.push_back(object);
      }
      for (const auto& stored : objects) {
        const Json object = unpack(*stored);
        for (const auto& h : handlers_)
          if (h.on_update) h.on_update(object, object);
      }
    }
    // A period that overran (a clock moved far ahead) is not made up for: the next starts now.
    period_start = std::max(period_start + options_.resync, clock_.now());
  }
}

std::string Informer::subject() const {
  std::string out = type_.describe();
  if (!options_.field_selector.empty()) out += " (" + options_.field_selector + ")";
  if (!options_.ns.empty()) out += " in namespace " + options_.ns;
  return out;
}

void Informer::failed(const std::string& call, const ApiError& error) {
  const auto what = call + " of " + subject();
  const auto text = what + ": " + error.message;
  {
    std::lock_guard guard(mutex_);
    last_error_ = text;
    // A 410 Gone only asks for a relist; the same failure again is no news.
    if (error.is(ErrorType::Gone) || error.code == 410 || text == told_error_ || !options_.on_error)
      return;
    told_error_ = text;
  }
  options_.on_error(what, error);
}

bool Informer::wait_backoff(int failures) {
  auto delay = base::backoff(options_.backoff_base, options_.backoff_cap, failures - 1);
  std::unique_lock lock(mutex_);
  // Up to 10% jitter so that many informers do not reconnect in step.
  delay += base::Clock::Duration(static_cast<base::Clock::Duration::rep>(
      std::uniform_real_distribution<double>(0, 0.1)(random_) *
      static_cast<double>(delay.count())));
  auto deadline = clock_.now() + delay;
  clock_.wait_until(lock, changed_, deadline, [this] { return stopping_; });
  return !stopping_;
}

}  // namespace veer::kube
