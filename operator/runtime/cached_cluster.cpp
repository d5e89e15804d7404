#include "operator/runtime/cached_cluster.hpp"

#include "operator/kube/label_selector.hpp"
#include "operator/runtime/cache_trim.hpp"

namespace veer::runtime {
namespace {

bool same_type(const kube::ResourceType& a, const kube::ResourceType& b) {
  if (a.group != b.group || a.version != b.version) return false;
  return (!a.kind.empty() && a.kind == b.kind) || (!a.resource.empty() && a.resource == b.resource);
}

// Past this many remembered writes the overlay is dropped: it only hides a short staleness.
constexpr std::size_t kOverlayLimit = 20000;

bool listed(const std::vector<kube::ResourceType>& types, const kube::ResourceType& type) {
  for (const auto& t : types)
    if (same_type(t, type)) return true;
  return false;
}

}  // namespace

CachedCluster::CachedCluster(kube::Cluster& api, base::Clock& clock, CacheOptions options)
    : api_(api), clock_(clock), options_(std::move(options)) {
  options_.informer.ns = options_.ns;
}

CachedCluster::~CachedCluster() {
  stop();
}

kube::Informer* CachedCluster::watch_type(const kube::ResourceType& type, std::string& error,
                                          base::Clock::Duration resync) {
  auto resolved = api_.resolve(type);
  if (!resolved) {
    error = resolved.error().message;
    std::lock_guard guard(mutex_);
    unwatchable_.insert(type.describe());
    return nullptr;
  }
  if (listed(options_.by_name, resolved->type)) {
    error = resolved->type.describe() + " is cached by name (watch_names)";
    return nullptr;
  }
  auto entry = make_entry(*resolved, false, resync);
  std::lock_guard guard(mutex_);
  entries_.push_back(std::move(entry));
  return entries_.back()->informer.get();
}

NameWatches* CachedCluster::watch_names(const kube::ResourceType& type, std::string& error) {
  auto resolved = api_.resolve(type);
  if (!resolved) {
    error = resolved.error().message;
    std::lock_guard guard(mutex_);
    unwatchable_.insert(type.describe());
    return nullptr;
  }
  if (!listed(options_.by_name, resolved->type)) {
    error = resolved->type.describe() + " is not cached by name (watch_type)";
    return nullptr;
  }
  auto entry = make_entry(*resolved, false, base::Clock::Duration::zero());
  std::lock_guard guard(mutex_);
  entries_.push_back(std::move(entry));
  return entries_.back()->names.get();
}

std::unique_ptr<CachedCluster::Entry> CachedCluster::make_entry(const kube::ResourceInfo& info,
                                                                bool lazy,
                                                                base::Clock::Duration resync) {
  auto entry = std::make_unique<Entry>();
  entry->info = info;
  auto options = informer_options(info.type, lazy, *entry);
  options.resync = resync;
  if (listed(options_.by_name, info.type)) {
    entry->names = std::make_unique<NameWatches>(api_, clock_, info.type, options,
                                                 options_.max_watched_names, options_.warn);
  } else {
    entry->informer = std::make_unique<kube::Informer>(api_, clock_, info.type, options);
    const auto settle_seen = [this, e = entry.get()](const kube::Json& seen) {
      settle(overlay_key(*e, kube::key_of(seen)), kube::resource_version_of(seen));
    };
    entry->informer->add_handlers(
        {settle_seen, [settle_seen](const kube::Json&, const kube::Json& o) { settle_seen(o); },
         settle_seen});
  }
  return entry;
}

kube::Informer* CachedCluster::informer(const kube::ResourceType& type) const {
  std::lock_guard guard(mutex_);
  auto* entry = find_locked(type);
  return entry ? entry->informer.get() : nullptr;
}

NameWatches* CachedCluster::names(const kube::ResourceType& type) const {
  std::lock_guard guard(mutex_);
  auto* entry = find_locked(type);
  return entry ? entry->names.get() : nullptr;
}

std::size_t CachedCluster::release_unreferenced() {
  std::vector<NameWatches*> by_name;
  {
    std::lock_guard guard(mutex_);
    for (auto& entry : entries_)
      if (entry->names) by_name.push_back(entry->names.get());
  }
  std::size_t released = 0;
  for (auto* names : by_name) released += names->release_unreferenced();
  return released;
}

kube::InformerOptions CachedCluster::informer_options(const kube::ResourceType& type, bool lazy,
                                                      Entry& entry) {
  auto out = options_.informer;
  // A list or watch the API server refuses is said in the log at once (naming the call and the
  // server's message), not only as "waiting for caches": a refused watch leaves the cache at its
  // first list, which no later sync wait would show.
  if (!out.on_error && options_.warn)
    out.on_error = [warn = options_.warn](const std::string& what, const kube::ApiError& error) {
      warn(what + " failed (" + kube::to_string(error.type) +
           "); retrying with backoff: " + error.message);
    };
  if (options_.trim) {
    const bool last_applied = !lazy && listed(options_.without_last_applied, type);
    entry.trim = [last_applied](kube::Json& object) {
      drop_managed_fields(object);
      if (last_applied) drop_last_applied(object);
    };
    out.trim = entry.trim;
  }
  return out;
}

CachedCluster::Entry* CachedCluster::find_locked(const kube::ResourceType& type) const {
  for (const auto& entry : entries_)
    if (same_type(entry->info.type, type)) return entry.get();
  return nullptr;
}

void CachedCluster::start() {
  std::lock_guard guard(mutex_);
  if (started_) return;
  started_ = true;
  for (auto& entry : entries_)
    if (entry->informer) entry->informer->start();
}

void CachedCluster::stop() {
  std::vector<kube::Informer*> informers;
  std::vector<NameWatches*> by_name;
  {
    std::lock_guard guard(mutex_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& entry : entries_) {
      if (entry->informer) informers.push_back(entry->informer.get());
      if (entry->names) by_name.push_back(entry->names.get());
    }
  }
  for (auto* informer : informers) informer->stop();
  for (auto* names : by_name) names->stop();
}

bool CachedCluster::has_synced() const {
  return unsynced().empty();
}

std::size_t CachedCluster::relists() const {
  std::lock_guard guard(mutex_);
  std::size_t n = 0;
  for (const auto& entry : entries_)
    if (entry->informer) n += entry->informer->relists();
  return n;
}

std::string CachedCluster::unsynced() const {
  std::lock_guard guard(mutex_);
  std::string out;
  for (const auto& entry : entries_) {
    // A type cached by name has nothing to list first; a name that cannot be listed is read
    // from the API server.
    if (!entry->informer || entry->informer->has_synced()) continue;
    auto error = entry->informer->last_error();
    out += (out.empty() ? "" : "; ") + entry->info.type.describe() +
           (error.empty() ? ": not listed yet" : ": " + error);
  }
  return out;
}

bool CachedCluster::wait_for_sync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<kube::Informer*> informers;
  {
    std::lock_guard guard(mutex_);
    for (const auto& entry : entries_)
      if (entry->informer) informers.push_back(entry->informer.get());
  }
  for (auto* informer : informers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    if (!informer->wait_for_sync(left)) return false;
  }
  return true;
}

bool CachedCluster::caught_up(const std::string& resource_version) const {
  std::lock_guard guard(mutex_);
  for (const auto& entry : entries_) {
    if (entry->names) {
      if (!entry->names->caught_up(resource_version)) return false;
      continue;
    }
    auto order =
        kube::compare_resource_versions(entry->informer->resource_version(), resource_version);
    if (!order || *order < 0) return false;
  }
  return true;
}

CachedCluster::Entry* CachedCluster::entry_for(const kube::ResourceType& type,
                                               const std::string& ns) {
  if (!options_.ns.empty() && ns != options_.ns) return nullptr;  // outside what we watch
  for (const auto& skip : options_.uncached)
    if (same_type(skip, type)) return nullptr;
  Entry* entry = nullptr;
  {
    std::lock_guard guard(mutex_);
    entry = find_locked(type);
    if (!entry && (!options_.lazy || !started_ || stopped_ || unwatchable_.count(type.describe())))
      return nullptr;
  }
  if (!entry) {
    auto resolved = api_.resolve(type);
    std::lock_guard guard(mutex_);
    entry = find_locked(type);  // another thread may have started it meanwhile
    if (!entry) {
      if (!resolved || !resolved->namespaced) {
        unwatchable_.insert(type.describe());
        return nullptr;
      }
      auto made = make_entry(*resolved, true, base::Clock::Duration::zero());
      if (made->informer) made->informer->start();
      entries_.push_back(std::move(made));
      entry = entries_.back().get();
    }
  }
  if (entry->names || entry->informer->has_synced()) return entry;
  // A lazily started informer gets one wait for its first list; one that cannot list (RBAC,
  // the server) leaves reads to the API server until it can.
  if (!entry->informer->last_error().empty()) return nullptr;
  return entry->informer->wait_for_sync(options_.lazy_sync_timeout) ? entry : nullptr;
}

std::string CachedCluster::overlay_key(const Entry& entry, const std::string& key) const {
  return entry.info.type.describe() + " " + key;
}

std::optional<kube::Json> CachedCluster::newest(
    const Entry& entry, const std::string& key, std::optional<kube::Json> cached,
    std::uint64_t settles_before, const std::function<std::optional<kube::Json>()>& reread) {
  std::lock_guard guard(overlay_mutex_);
  auto it = overlay_.find(overlay_key(entry, key));
  if (it == overlay_.end()) {
    // settle() runs after the cache stored what it settles: read again under the lock, so that
    // a write of this key settled between the read and here is seen in the cache.
    if (settles_.load() != settles_before) return reread();
    return cached;
  }
  if (cached) {
    auto order = kube::compare_resource_versions(kube::resource_version_of(it->second),
                                                 kube::resource_version_of(*cached));
    if (!order || *order <= 0) {  // the watch has caught up with our write
      overlay_.erase(it);
      return cached;
    }
  }
  return it->second;
}

void CachedCluster::remember(const kube::Result<kube::Json>& written) {
  if (!written) return;
  const auto& object = *written;
  auto type = kube::type_of(object);
  Entry* entry = nullptr;
  {
    std::lock_guard guard(mutex_);
    entry = find_locked(type);
  }
  if (!entry) return;
  auto kept = object;
  if (entry->trim) entry->trim(kept);
  const auto key = overlay_key(*entry, kube::key_of(object));
  {
    std::lock_guard guard(overlay_mutex_);
    if (overlay_.size() >= kOverlayLimit) overlay_.clear();
    overlay_[key] = std::move(kept);
  }
  // The watch may have delivered the write before it was remembered: its handler found nothing
  // to settle then.
  if (!entry->informer) return;
  if (auto cached = entry->informer->cached_resource_version(kube::key_of(object)))
    settle(key, *cached);
}

void CachedCluster::settle(const std::string& key, const std::string& seen_rv) {
  std::lock_guard guard(overlay_mutex_);
  auto it = overlay_.find(key);
  if (it == overlay_.end()) return;
  auto order = kube::compare_resource_versions(kube::resource_version_of(it->second), seen_rv);
  if (order && *order <= 0) {
    overlay_.erase(it);
    ++settles_;
  }
}

std::size_t CachedCluster::unsettled_writes() const {
  std::lock_guard guard(overlay_mutex_);
  return overlay_.size();
}

kube::Result<kube::ResourceInfo> CachedCluster::resolve(const kube::ResourceType& type) {
  {
    std::lock_guard guard(mutex_);
    if (auto* entry = find_locked(type)) return entry->info;
  }
  return api_.resolve(type);
}

kube::Result<kube::Json> CachedCluster::get(const kube::ObjectRef& ref) {
  Entry* entry = entry_for(ref.type, ref.ns);
  if (!entry) return api_.get(ref);
  const auto key = kube::key_of(ref.ns, ref.name);
  std::function<std::optional<kube::Json>()> read;
  std::shared_ptr<const kube::Informer> held;  // a name watch, kept while it is read
  if (entry->names) {
    // Not referenced, past the cap or not listable: the API server answers.
    auto watch = entry->names->hold(ref.ns, ref.name, options_.lazy_sync_timeout);
    if (!watch) return api_.get(ref);
    held = watch;
    read = [&held, &key] { return held->get(key); };
  } else {
    read = [entry, &key] { return entry->informer->get(key); };
  }
  const auto settles_before = settles_.load();
  auto found = newest(*entry, key, read(), settles_before, read);
  if (!found) {
    return kube::ApiError{kube::ErrorType::NotFound, 404, "NotFound",
                          ref.describe() + " not found"};
  }
  return std::move(*found);  // not a copy of the whole object
}

kube::Result<kube::ObjectList> CachedCluster::list(const kube::ResourceType& type,
                                                   const std::string& ns,
                                                   const kube::ListOptions& options) {
  // Paged or versioned lists mean a caller wants the server's view.
  if (options.limit > 0 || !options.continue_token.empty() || !options.resource_version.empty())
    return api_.list(type, ns, options);
  // With --namespace, "every namespace" is the one watched (the operator may see no other).
  Entry* entry = entry_for(type, ns.empty() ? options_.ns : ns);
  if (!entry || entry->names) return api_.list(type, ns, options);
  auto labels = kube::LabelSelector::parse(options.label_selector);
  if (!labels) return labels.error();
  auto fields = kube::FieldSelector::parse(options.field_selector);
  if (!fields) return fields.error();
  kube::ObjectList out;
  out.resource_version = entry->informer->resource_version();
  const auto settles_before = settles_.load();
  for (auto& item : entry->informer->list(ns)) {
    const auto key = kube::key_of(item);  // before the move below
    auto object = newest(*entry, key, std::move(item), settles_before,
                         [entry, &key] { return entry->informer->get(key); });
    if (object && labels->matches(*object) && fields->matches(*object))
      out.items.push_back(std::move(*object));
  }
  return out;
}

kube::Result<kube::Json> CachedCluster::create(const kube::Json& object) {
  auto written = api_.create(object);
  remember(written);
  return written;
}

kube::Result<kube::Json> CachedCluster::update(const kube::Json& object) {
  auto written = api_.update(object);
  remember(written);
  return written;
}

kube::Result<kube::Json> CachedCluster::update_status(const kube::Json& object) {
  auto written = api_.update_status(object);
  remember(written);
  return written;
}

kube::Result<kube::Json> CachedCluster::patch(const kube::ObjectRef& ref, kube::PatchType type,
                                              const kube::Json& patch,
                                              const kube::PatchOptions& options) {
  auto written = api_.patch(ref, type, patch, options);
  remember(written);
  return written;
}

kube::Status CachedCluster::remove(const kube::ObjectRef& ref, const kube::DeleteOptions& options) {
  return api_.remove(ref, options);
}

kube::Result<std::unique_ptr<kube::WatchStream>> CachedCluster::watch(
    const kube::ResourceType& type, const std::string& ns, const kube::WatchOptions& options) {
  return api_.watch(type, ns, options);
}

}  // namespace veer::runtime
